#pragma once
// Opens the SQLite store at start-up and reads it back, logging what it
// found; a damaged store stops start-up unless the user asked to move it
// aside (`--move-damaged-store`), which keeps the damaged files for
// inspection and starts empty.

#include <memory>

#include "app/config/config.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"

namespace tern::app {

struct opened_store {
  std::unique_ptr<store::sqlite_store> store;
  store::restored_state restored;
};

// Throws store_error when the store cannot be used (and, if damaged,
// `move_damaged` is false).
opened_store open_store(const config& cfg, bool move_damaged);

}  // namespace tern::app
