#include "store/sqlite_db.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

namespace tern::store {

static_assert(store_error::damaged_code == SQLITE_CORRUPT);
static_assert(store_error::not_a_database_code == SQLITE_NOTADB);

namespace {

// SQLite's memory statistics take a process-wide mutex on every allocation,
// and its allocations are many per statement; tern reads none of them. Must
// come before SQLite initialises, so at the first connection; later (or if
// something else initialised SQLite first) the call fails harmlessly.
void configure_sqlite_once() {
  static const int done = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)done;
}

}  // namespace

sqlite_db::sqlite_db(const std::string& path) : path_(path) {
  configure_sqlite_once();
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw store_error(fmt::format("cannot open the store {}: {}", path, why), rc & 0xff);
  }
  sqlite3_extended_result_codes(db_, 0);
}

sqlite_db::~sqlite_db() {
  sqlite3_close_v2(db_);
}

void sqlite_db::fail(int code, std::string_view doing) const {
  throw store_error(fmt::format("store {}: {} failed: {}", path_, doing, sqlite3_errmsg(db_)),
                    code & 0xff);
}

void sqlite_db::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string why = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw store_error(fmt::format("store {}: {}: {}", path_, sql, why), rc & 0xff);
  }
}

std::int64_t sqlite_db::query_int(const char* sql) {
  statement s(*this, sql);
  if (!s.step()) return 0;
  return s.column_int(0);
}

statement::statement(sqlite_db& db, const char* sql) : db_(db) {
  const int rc =
      sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, sql);
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

statement& statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

statement& statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  // A zero-length blob must still be a blob, not NULL.
  static const std::uint8_t empty = 0;
  sqlite3_bind_blob(stmt_, index, bytes.empty() ? &empty : bytes.data(),
                    static_cast<int>(bytes.size()), SQLITE_STATIC);
  return *this;
}

statement& statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const int code = rc;
  sqlite3_reset(stmt_);
  db_.fail(code, sqlite3_sql(stmt_));
}

int statement::run() {
  while (step()) {
  }
  const int changed = sqlite3_changes(db_.handle());
  reset();
  return changed;
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

bool statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::string_view statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  return {reinterpret_cast<const char*>(text),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

std::span<const std::uint8_t> statement::column_blob(int index) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, index));
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

}  // namespace tern::store
