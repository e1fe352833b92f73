#pragma once
// The store's tables and their forward migrations.

#include "store/sqlite_db.hpp"

namespace tern::store {

// The schema version this build writes.
inline constexpr int current_schema_version = 3;

// Brings `db` to current_schema_version, creating it when empty; throws
// store_error naming the file when it is newer than this build or is not
// a tern store.
void migrate(sqlite_db& db);

}  // namespace tern::store
