// Command-line parsing for Outpost's programs: Abseil flags, with --help that
// lists the program's own flags and exits 0.
//
//   int main(int argc, char** argv) {
//     absl::SetProgramUsageMessage("outpostd --node_id=ID ...");
//     std::vector<char*> args =
//         outpost::ParseCommandLineWithHelp(argc, argv, {"server/"});
//
// Abseil's default --help shows only flags defined in a file named after the
// program (outpostd.cc), so ours printed "No flags matched". Here --help,
// --helpshort and --helppackage show every flag defined under the given
// source folders (paths relative to the project root, e.g. "client/"), named
// by their file relative to that root; --helpfull adds Abseil's own flags.
#ifndef OUTPOST_BASE_FLAGS_USAGE_H_
#define OUTPOST_BASE_FLAGS_USAGE_H_

#include <string>
#include <vector>

namespace outpost {

// Like absl::ParseCommandLine (an unknown flag or a bad value: a message on
// stderr, exit 1), except that a help flag prints to stdout and exits 0:
// help was asked for, so giving it is success. Returns the positional
// arguments, argv[0] first. Call once, from main, before any other thread.
std::vector<char*> ParseCommandLineWithHelp(
    int argc, char** argv, const std::vector<std::string>& own_folders);

}  // namespace outpost

#endif  // OUTPOST_BASE_FLAGS_USAGE_H_
