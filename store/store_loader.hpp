#pragma once
// Reads everything a store holds back into memory at start-up.

#include "store/sqlite_db.hpp"
#include "store/store_ops.hpp"

namespace tern::store {

// Also removes what no session refers to any more (rows a crash left behind
// between a session's removal and a delivery routed to it).
restored_state load_store(sqlite_db& db);

}  // namespace tern::store
