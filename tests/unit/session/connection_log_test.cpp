// Connect and disconnect lines, word for word as mosquitto 2.0 logs them.
#include "session/connection_log.hpp"

#include <gtest/gtest.h>

namespace tern::broker {
namespace {

using mqtt::reason_code;

TEST(ConnectionLog, ConnectedAsMosquitto) {
  const std::string user = "user";
  EXPECT_EQ(connected_line("127.0.0.1:5555", "c1", 2, true, 60, &user),
            "New client connected from 127.0.0.1:5555 as c1 (p2, c1, k60, u'user').");
  EXPECT_EQ(connected_line("[::1]:40000", "c2", 5, false, 0, nullptr),
            "New client connected from [::1]:40000 as c2 (p5, c0, k0).");
}

TEST(ConnectionLog, DisconnectedAsMosquitto) {
  EXPECT_EQ(disconnected_line("c1", false, reason_code::success), "Client c1 disconnected.");
  EXPECT_EQ(disconnected_line("c1", false, reason_code::disconnect_with_will_message),
            "Client c1 disconnected.");
  EXPECT_EQ(disconnected_line("c1", true, reason_code::success),
            "Client c1 closed its connection.");
  EXPECT_EQ(disconnected_line("c1", false, reason_code::keep_alive_timeout),
            "Client c1 has exceeded timeout, disconnecting.");
  EXPECT_EQ(disconnected_line("c1", false, reason_code::protocol_error),
            "Client c1 disconnected due to protocol error.");
  EXPECT_EQ(disconnected_line("c1", false, reason_code::malformed_packet),
            "Client c1 disconnected due to malformed packet.");
}

TEST(ConnectionLog, OtherReasonsNamed) {
  const auto line = disconnected_line("c1", false, reason_code::server_shutting_down);
  EXPECT_EQ(line.rfind("Client c1 disconnected: ", 0), 0u) << line;
  EXPECT_EQ(line.back(), '.');
}

}  // namespace
}  // namespace tern::broker
