#pragma once
// How an ACL rule's topic filter relates to what a client names: a topic
// (PUBLISH, delivery) or a topic filter (SUBSCRIBE). For a topic both
// relations below are mqtt::topic_matches(rule, topic); for a filter they
// say what the rule does to the topics the filter can receive.
//
// Topics starting with '$' are not matched by a first-level wildcard
// [MQTT-4.7.2-1], on either side.
//
// Thread: pure functions.

#include <string_view>

namespace tern::auth {

// Every topic `inner` matches, `outer` matches too ("a/#" covers "a/+/b"
// and "a"; "a/+" does not cover "a/#").
bool filter_covers(std::string_view outer, std::string_view inner);

// Some topic matches both ("a/+" and "+/b" share "a/b"; "a/b" and "a/c"
// share nothing).
bool filters_overlap(std::string_view a, std::string_view b);

}  // namespace tern::auth
