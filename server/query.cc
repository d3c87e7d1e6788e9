#include "server/query.h"

namespace outpost::server {

absl::Status Query(sync::Store* store, const std::string& sql,
                   const std::vector<QueryArg>& args,
                   const std::function<void(sync::Statement&)>& each) {
  return store->WithReader([&](sync::Database* db) -> absl::Status {
    sync::Statement& st = db->Cached(sql);
    for (size_t i = 0; i < args.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* text = std::get_if<std::string>(&args[i])) {
        st.BindText(index, *text);
      } else {
        st.BindInt(index, std::get<int64_t>(args[i]));
      }
    }
    absl::Status status;
    while (true) {
      absl::StatusOr<bool> row = st.Step();
      if (!row.ok()) {
        status = row.status();
        break;
      }
      if (!*row) break;
      each(st);
    }
    st.Reset();
    return status;
  });
}

}  // namespace outpost::server
