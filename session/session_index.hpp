#pragma once
// The registry's sessions by client id: a hash set of sessions keyed by
// their own (immutable) client_id, so the id is stored once, in the
// session, rather than copied again as a map key. Each entry is a shared
// pointer and nothing else: no key, no cached hash (the hash is recomputed
// only when the table grows).
//
// Thread: not synchronized; the broker guards it with registry_mutex_.

#include <cstddef>
#include <functional>
#include <string_view>
#include <unordered_set>

#include "session/session.hpp"

namespace tern::broker {

class session_index {
 public:
  // The session with this client id, or null.
  session_ptr find(std::string_view client_id) const {
    auto it = sessions_.find(client_id);
    return it != sessions_.end() ? *it : nullptr;
  }
  // Files `s`, replacing the session that had its client id, if any.
  void put(const session_ptr& s) {
    if (auto it = sessions_.find(std::string_view(s->client_id)); it != sessions_.end())
      sessions_.erase(it);
    sessions_.insert(s);
  }
  // Forgets `s` unless another session took its client id meanwhile.
  void erase(const session_ptr& s) {
    auto it = sessions_.find(std::string_view(s->client_id));
    if (it != sessions_.end() && *it == s) sessions_.erase(it);
  }
  std::size_t size() const noexcept { return sessions_.size(); }
  auto begin() const noexcept { return sessions_.begin(); }
  auto end() const noexcept { return sessions_.end(); }

 private:
  struct by_client_id {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept {
      return std::hash<std::string_view>{}(id);
    }
    std::size_t operator()(const session_ptr& s) const noexcept { return (*this)(s->client_id); }
  };
  struct same_client_id {
    using is_transparent = void;
    static std::string_view id(std::string_view v) noexcept { return v; }
    static std::string_view id(const session_ptr& s) noexcept { return s->client_id; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return id(a) == id(b);
    }
  };
  std::unordered_set<session_ptr, by_client_id, same_client_id> sessions_;
};

}  // namespace tern::broker
