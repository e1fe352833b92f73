#pragma once
// How a shared subscription group chooses the member that gets a message
// (spec 4.8.2 leaves the choice to the server); shared_subscription_policy
// in the config file.
//
// Thread: pick_member() runs under the subscription trie's reader lock, so
// it only reads the group (and advances its atomic cursor).

#include <cstdint>
#include <random>

#include "session/shared_group.hpp"

namespace tern::broker {

enum class shared_policy : std::uint8_t {
  round_robin,  // each member in turn
  random,       // a uniformly random member
  sticky,       // the same member for the same publisher client id
};

// The member of `g` for one message among those `usable(entry)` accepts;
// null when none is. `publisher_hash` is the hash of the publishing client's
// id (application_message::publisher_hash), which sticky keys on.
template <class Predicate>
const subscription_entry* pick_member(shared_group& g, shared_policy policy,
                                      std::uint64_t publisher_hash, Predicate&& usable) {
  switch (policy) {
    case shared_policy::round_robin:
      break;
    case shared_policy::random: {
      thread_local std::mt19937_64 random{std::random_device{}()};
      return g.pick_random_if(random(), usable);
    }
    case shared_policy::sticky:
      return g.pick_sticky_if(publisher_hash, usable);
  }
  return g.pick_round_robin_if(usable);
}

}  // namespace tern::broker
