// A bridge's TLS client context: the remote's certificate must chain to
// bridge_cafile and name the address we connect to, unless bridge_insecure.
#include <gtest/gtest.h>

#include "tests/unit/config/temp_dir.hpp"
#include "tests/unit/tls/memory_handshake.hpp"
#include "tests/unit/tls/test_pki.hpp"
#include "tls/client_context.hpp"
#include "tls/server_context.hpp"
#include "tls/setup_error.hpp"

namespace tern::tls {
namespace {
using testing::memory_handshake;

class ClientContext : public ::testing::Test {
 protected:
  ClientContext() : pki(dir.path()) {
    ca = pki.make_ca("ca");
    auto cert = pki.make_cert(
        ca, "server",
        testing::cert_request::named("CN=broker").with_dns("broker.test").with_ip("127.0.0.1"));
    server_settings s;
    s.certfile = cert.cert_file;
    s.keyfile = cert.key_file;
    server = build_server_context(s);
  }
  bool connects(const client_settings& c, const std::string& host) {
    auto client = build_client_context(c);
    return memory_handshake(server->native_handle(), client->native_handle(),
                            [&](SSL* ssl) { prepare_client_session(ssl, host, c.insecure); })
        .ok;
  }

  app::testing::temp_dir dir;
  testing::test_pki pki;
  testing::issued ca;
  std::shared_ptr<boost::asio::ssl::context> server;
};

TEST_F(ClientContext, ChecksTheRemotesNameAndAddress) {
  client_settings c;
  c.cafile = ca.cert_file;
  EXPECT_TRUE(connects(c, "broker.test"));
  EXPECT_TRUE(connects(c, "127.0.0.1"));
  EXPECT_FALSE(connects(c, "other.test"));
  EXPECT_FALSE(connects(c, "127.0.0.2"));
  c.insecure = true;  // the name is not checked, the chain still is
  EXPECT_TRUE(connects(c, "other.test"));
}

TEST_F(ClientContext, RefusesARemoteFromAnotherCa) {
  auto other = pki.make_ca("other");
  client_settings c;
  c.cafile = other.cert_file;
  c.insecure = true;
  EXPECT_FALSE(connects(c, "broker.test"));
}

TEST_F(ClientContext, NeedsACaAndNamesBridgeSettingsInErrors) {
  client_settings c;
  try {
    build_client_context(c);
    FAIL() << "no error";
  } catch (const setup_error& e) {
    EXPECT_NE(std::string(e.what()).find("bridge_cafile"), std::string::npos) << e.what();
  }
  c.cafile = ca.cert_file;
  c.certfile = (dir.path() / "none.pem").string();
  c.keyfile = ca.key_file;
  try {
    build_client_context(c);
    FAIL() << "no error";
  } catch (const setup_error& e) {
    EXPECT_NE(std::string(e.what()).find("bridge_certfile '" + c.certfile + "' cannot be read"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tern::tls
