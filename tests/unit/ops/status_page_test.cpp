// The status page's event is JSON the page can parse; the page reads the
// event path it was given and fetches nothing from elsewhere.
#include "app/status_page.hpp"

#include <gtest/gtest.h>

namespace tern::app {
namespace {

TEST(StatusPage, EventCarriesFiguresAndBridges) {
  broker::sys_figures f;
  f.version = "v\"1";
  f.clients_connected = 2;
  f.publish_sent = 9;
  const auto e = status_event(f, {{"cloud", true}, {"b2", false}});
  EXPECT_NE(e.find(R"("version":"v\"1")"), std::string::npos) << e;
  EXPECT_NE(e.find(R"("clients_connected":2,)"), std::string::npos) << e;
  EXPECT_NE(e.find(R"("publish_sent":9,)"), std::string::npos) << e;
  EXPECT_NE(
      e.find(R"("bridges":[{"name":"cloud","connected":true},{"name":"b2","connected":false}]})"),
      std::string::npos)
      << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << "one SSE data line";
}

TEST(StatusPage, PageUsesItsEventPathAndNoExternalScript) {
  const auto page = status_page_html("/events");
  EXPECT_NE(page.find(R"(new EventSource("/events"))"), std::string::npos);
  EXPECT_EQ(page.find("__EVENTS__"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace tern::app
