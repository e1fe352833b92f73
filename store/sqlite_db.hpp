#pragma once
// Thin RAII wrappers over the SQLite C API: a connection and prepared
// statements. Errors become store_error with SQLite's own message, so every
// failure the user sees names the database file and what SQLite said.
//
// Thread: a sqlite_db and its statements are used by one thread at a time.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace tern::store {

class store_error : public std::runtime_error {
 public:
  store_error(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  // SQLite's primary result code (SQLITE_FULL, SQLITE_CORRUPT, ...).
  int code() const noexcept { return code_; }
  // SQLITE_CORRUPT and SQLITE_NOTADB, for code that does not include sqlite3.h.
  static constexpr int damaged_code = 11;
  static constexpr int not_a_database_code = 26;

 private:
  int code_;
};

class sqlite_db {
 public:
  explicit sqlite_db(const std::string& path);
  ~sqlite_db();
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  // Runs SQL without results (schema, pragmas, BEGIN/COMMIT).
  void exec(const char* sql);
  // Runs a query returning one integer (e.g. PRAGMA user_version).
  std::int64_t query_int(const char* sql);
  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_; }
  [[noreturn]] void fail(int code, std::string_view doing) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class statement {
 public:
  statement(sqlite_db& db, const char* sql);
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Binding is 1-based, like SQLite. Text and blobs must outlive step().
  statement& bind(int index, std::int64_t value);
  statement& bind(int index, std::string_view text);
  statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  statement& bind_null(int index);
  // Advances; true while a row is available.
  bool step();
  // Runs a statement that returns no row, then resets it; the number of
  // rows it inserted, updated or deleted.
  int run();
  void reset();

  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;
  std::string_view column_text(int index) const;
  std::span<const std::uint8_t> column_blob(int index) const;

 private:
  sqlite_db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace tern::store
