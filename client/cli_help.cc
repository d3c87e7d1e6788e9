// `outpost help [COMMAND]` and the --help text, both built from the usage
// each command group declares beside its code (CommandUsage in cli.h), so
// there is one copy of every command's usage.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cli.h"

namespace outpost::client {
namespace {

constexpr char kGlobalForm[] =
    "outpost [--node=HOST:PORT] [--json] [--timeout_ms=MS] [--token=T] "
    "[--tls_ca=CA.pem] COMMAND [ARGS...]";

struct Group {
  const char* title;  // Chinese first, English beside it
  absl::Span<const CommandUsage> (*commands)();
};

constexpr Group kGroups[] = {
    {"节点 the node", &AdminUsage},
    {"社区日常工作 the community's daily work", &CommunityUsage},
    {"冲突、隔离与审计 conflicts, quarantine, audit", &ConflictsUsage},
    {"街道汇总 the sub-district's consolidation", &ConsolidationUsage},
    {"令牌 client tokens", &TokenUsage},
};

std::vector<std::string> CommandNames() {
  std::vector<std::string> names;
  for (const Group& group : kGroups) {
    for (const CommandUsage& usage : group.commands())
      names.push_back(usage.command);
  }
  return names;
}

void PrintForms(std::ostream& out, const CommandUsage& usage) {
  for (absl::string_view form : absl::StrSplit(usage.forms, '\n')) {
    out << "  outpost " << form << "\n";
  }
}

}  // namespace

const CommandUsage* FindUsage(const std::string& command) {
  for (const Group& group : kGroups) {
    for (const CommandUsage& usage : group.commands()) {
      if (command == usage.command) return &usage;
    }
  }
  return nullptr;
}

void PrintUsage(std::ostream& out, const CommandUsage& usage) {
  out << usage.command << ": " << usage.what << "\n用法 usage:\n";
  PrintForms(out, usage);
}

int UsageError(const std::string& problem, const CommandUsage& usage) {
  std::cerr << "outpost: " << problem << "\n";
  PrintUsage(std::cerr, usage);
  std::cerr.flush();
  return kExitUsage;
}

std::string UnknownCommand(const std::vector<std::string>& args) {
  return absl::StrCat("unknown command \"", absl::StrJoin(args, " "), "\"");
}

int HelpCommand(const std::vector<std::string>& args) {
  if (args.size() > 2) {
    std::cerr << "outpost: help takes one COMMAND, not \""
              << absl::StrJoin(args.begin() + 1, args.end(), " ") << "\""
              << std::endl;
    return kExitUsage;
  }
  if (args.size() == 2) {
    const CommandUsage* usage = FindUsage(args[1]);
    if (usage == nullptr) {
      std::cerr << "outpost: help: unknown command \"" << args[1]
                << "\"; the commands are "
                << absl::StrJoin(CommandNames(), ", ") << std::endl;
      return kExitUsage;
    }
    PrintUsage(std::cout, *usage);
    return 0;
  }
  std::cout << "用法 usage: " << kGlobalForm << "\n"
            << "一个命令的用法 one command's usage: outpost help COMMAND\n"
            << "全局参数 global flags: outpost --help\n";
  for (const Group& group : kGroups) {
    std::cout << "\n" << group.title << ":\n";
    for (const CommandUsage& usage : group.commands()) {
      const std::string name = usage.command;
      std::cout << "  " << name
                << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ')
                << usage.what << "\n";
    }
  }
  return 0;
}

std::string ProgramUsage() {
  std::string text = absl::StrCat(
      kGlobalForm,
      "\n命令 commands (outpost help COMMAND: 一个命令的用法 one command's "
      "usage):\n");
  for (const Group& group : kGroups) {
    for (const CommandUsage& usage : group.commands()) {
      for (absl::string_view form : absl::StrSplit(usage.forms, '\n')) {
        absl::StrAppend(&text, "  ", form, "\n");
      }
    }
  }
  absl::StrAppend(&text,
                  "exit codes: 0 success, 1 refused by the node, 2 bad usage, "
                  "3 node unreachable");
  return text;
}

}  // namespace outpost::client
