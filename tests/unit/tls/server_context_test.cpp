// TLS listener contexts: built from files (every bad file refused with what
// to change), then real handshakes in memory against them: client
// certificates required, verified against the CA and the CRL, the user
// name taken from them, PSK, minimum version, and reload on SIGHUP.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <openssl/err.h>

#include "tests/unit/config/temp_dir.hpp"
#include "tests/unit/tls/memory_handshake.hpp"
#include "tests/unit/tls/test_pki.hpp"
#include "tls/client_context.hpp"
#include "tls/peer_identity.hpp"
#include "tls/server_context.hpp"
#include "tls/setup_error.hpp"

namespace tern::tls {
namespace {
using testing::issued;
using testing::memory_handshake;

class ServerContext : public ::testing::Test {
 protected:
  ServerContext() : pki(dir.path()) {
    ca = pki.make_ca("ca");
    server = pki.make_cert(ca, "server",
                           testing::cert_request::named("CN=localhost").with_dns("localhost"));
    client = pki.make_cert(ca, "client", testing::cert_request::named("CN=dev1,O=Acme"));
  }

  server_settings certificate_listener() const {
    server_settings s;
    s.certfile = server.cert_file;
    s.keyfile = server.key_file;
    return s;
  }
  server_settings client_certificate_listener() const {
    auto s = certificate_listener();
    s.cafile = ca.cert_file;
    s.require_certificate = true;
    return s;
  }
  // A client trusting our CA, presenting `cert` if given.
  std::shared_ptr<boost::asio::ssl::context> client_with(const issued* cert) const {
    client_settings c;
    c.cafile = ca.cert_file;
    if (cert != nullptr) {
      c.certfile = cert->cert_file;
      c.keyfile = cert->key_file;
    }
    return build_client_context(c);
  }
  static std::string error_of(const server_settings& s) {
    try {
      build_server_context(s);
    } catch (const setup_error& e) {
      return e.what();
    }
    return "(no error)";
  }

  app::testing::temp_dir dir;
  testing::test_pki pki;
  issued ca, server, client;
};

TEST_F(ServerContext, HandshakeWithServerCertificate) {
  auto server_ctx = build_server_context(certificate_listener());
  auto r = memory_handshake(server_ctx->native_handle(), client_with(nullptr)->native_handle());
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(SSL_version(r.server.get()), TLS1_3_VERSION);
  // No client certificate is asked for without require_certificate (mosquitto).
  EXPECT_EQ(SSL_get0_peer_certificate(r.server.get()), nullptr);
}

TEST_F(ServerContext, CertfileWithChainIsSentWhole) {
  auto intermediate =
      pki.make_cert(ca, "intermediate", testing::cert_request::named("CN=intermediate").as_ca());
  auto leaf = pki.make_cert(intermediate, "leaf", testing::cert_request::named("CN=localhost"));
  const auto chain = dir.write("chain.pem", [&] {
    std::ifstream a(leaf.cert_file), b(intermediate.cert_file);
    std::stringstream s;
    s << a.rdbuf() << b.rdbuf();
    return s.str();
  }());
  auto s = certificate_listener();
  s.certfile = chain;
  s.keyfile = leaf.key_file;
  auto server_ctx = build_server_context(s);
  // The client knows only the root: it needs the intermediate from us.
  EXPECT_TRUE(
      memory_handshake(server_ctx->native_handle(), client_with(nullptr)->native_handle()).ok);
}

TEST_F(ServerContext, BadFilesAreRefusedWithWhatToChange) {
  auto s = certificate_listener();
  s.certfile = (dir.path() / "missing.pem").string();
  EXPECT_NE(error_of(s).find("certfile '" + s.certfile + "' cannot be read"), std::string::npos)
      << error_of(s);

  s = certificate_listener();
  s.certfile = dir.write("garbage.pem", "not a certificate\n");
  EXPECT_NE(error_of(s).find("holds no usable certificate"), std::string::npos) << error_of(s);

  s = certificate_listener();
  s.keyfile = client.key_file;  // another certificate's key
  EXPECT_NE(error_of(s).find("does not match certfile"), std::string::npos) << error_of(s);

  s = certificate_listener();
  s.cafile = (dir.path() / "no-ca.pem").string();
  EXPECT_NE(error_of(s).find("cafile '" + s.cafile + "' cannot be read"), std::string::npos);

  s = certificate_listener();
  s.capath = ca.cert_file;  // a file, not a directory
  EXPECT_NE(error_of(s).find("is not a directory"), std::string::npos) << error_of(s);

  s = client_certificate_listener();
  s.crlfile = dir.write("bad-crl.pem", "nothing\n");
  EXPECT_NE(error_of(s).find("crlfile"), std::string::npos) << error_of(s);

  s = certificate_listener();
  s.ciphers = "NO-SUCH-CIPHER";
  EXPECT_NE(error_of(s).find("ciphers 'NO-SUCH-CIPHER' names no cipher"), std::string::npos);

  s = certificate_listener();
  s.ciphersuites = "TLS_NOPE";
  EXPECT_NE(error_of(s).find("ciphers_tls1.3 'TLS_NOPE'"), std::string::npos);

  s = {};
  s.psk_hint = "hint";
  EXPECT_NE(error_of(s).find("add `psk_file PATH`"), std::string::npos) << error_of(s);
}

TEST_F(ServerContext, RequiredClientCertificateIsVerified) {
  auto server_ctx = build_server_context(client_certificate_listener());
  auto r = memory_handshake(server_ctx->native_handle(), client_with(&client)->native_handle());
  ASSERT_TRUE(r.ok) << r.server_refusal;
  EXPECT_EQ(username_from(r.server.get(), username_source::identity), "dev1");
  EXPECT_EQ(username_from(r.server.get(), username_source::subject), "O=Acme,CN=dev1");
  EXPECT_EQ(username_from(r.server.get(), username_source::connect), "");
}

TEST_F(ServerContext, MissingClientCertificateIsRefused) {
  auto server_ctx = build_server_context(client_certificate_listener());
  auto r = memory_handshake(server_ctx->native_handle(), client_with(nullptr)->native_handle());
  EXPECT_FALSE(r.ok);
}

TEST_F(ServerContext, ClientCertificateFromAnotherCaIsRefused) {
  auto other_ca = pki.make_ca("other-ca");
  auto stranger = pki.make_cert(other_ca, "stranger", testing::cert_request::named("CN=stranger"));
  auto server_ctx = build_server_context(client_certificate_listener());
  auto r = memory_handshake(server_ctx->native_handle(), client_with(&stranger)->native_handle());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.server_refusal.find(
                "unable to get local issuer certificate (depth 0, subject 'CN=stranger')"),
            std::string::npos)
      << r.server_refusal;
}

TEST_F(ServerContext, ExpiredClientCertificateIsRefused) {
  auto expired =
      pki.make_cert(ca, "expired", testing::cert_request::named("CN=old").valid(-7200, -3600));
  auto server_ctx = build_server_context(client_certificate_listener());
  auto r = memory_handshake(server_ctx->native_handle(), client_with(&expired)->native_handle());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.server_refusal.find("certificate has expired (depth 0, subject 'CN=old')"),
            std::string::npos)
      << r.server_refusal;
}

TEST_F(ServerContext, RevokedClientCertificateIsRefusedWithCrl) {
  auto revoked = pki.make_cert(ca, "revoked", testing::cert_request::named("CN=revoked"));
  auto s = client_certificate_listener();
  s.crlfile = pki.make_crl(ca, "crl", {revoked.serial});
  auto server_ctx = build_server_context(s);
  auto r = memory_handshake(server_ctx->native_handle(), client_with(&revoked)->native_handle());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.server_refusal.find("certificate revoked (depth 0, subject 'CN=revoked')"),
            std::string::npos)
      << r.server_refusal;
  // Others from the same CA still get in.
  EXPECT_TRUE(
      memory_handshake(server_ctx->native_handle(), client_with(&client)->native_handle()).ok);
}

TEST_F(ServerContext, MinimumVersionTls13RefusesTls12Clients) {
  auto s = certificate_listener();
  s.version = min_version::tls1_3;
  auto server_ctx = build_server_context(s);
  auto client_ctx = client_with(nullptr);
  SSL_CTX_set_max_proto_version(client_ctx->native_handle(), TLS1_2_VERSION);
  EXPECT_FALSE(memory_handshake(server_ctx->native_handle(), client_ctx->native_handle()).ok);
  SSL_CTX_set_max_proto_version(client_ctx->native_handle(), 0);
  EXPECT_TRUE(memory_handshake(server_ctx->native_handle(), client_ctx->native_handle()).ok);
}

// PSK clients as mosquitto_pub --psk makes them.
struct psk_client {
  static inline std::string identity, key_hex;
  static unsigned int callback(SSL*, const char*, char* id, unsigned int max_id, unsigned char* psk,
                               unsigned int max_psk) {
    if (identity.size() + 1 > max_id || key_hex.size() / 2 > max_psk) return 0;
    std::memcpy(id, identity.c_str(), identity.size() + 1);
    for (std::size_t i = 0; i < key_hex.size() / 2; ++i)
      psk[i] = static_cast<unsigned char>(std::stoi(key_hex.substr(2 * i, 2), nullptr, 16));
    return static_cast<unsigned int>(key_hex.size() / 2);
  }
};

TEST_F(ServerContext, PskListenerTakesTheIdentity) {
  server_settings s;
  s.psk_hint = "tern";
  s.psk_file = dir.write("psk.txt", "sensor1:00112233445566778899aabbccddeeff\n");
  auto server_ctx = build_server_context(s);
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> client_ctx(SSL_CTX_new(TLS_client_method()),
                                                                 SSL_CTX_free);
    SSL_CTX_set_min_proto_version(client_ctx.get(), version);
    SSL_CTX_set_max_proto_version(client_ctx.get(), version);
    SSL_CTX_set_cipher_list(client_ctx.get(), "PSK");
    SSL_CTX_set_psk_client_callback(client_ctx.get(), psk_client::callback);
    psk_client::identity = "sensor1";
    psk_client::key_hex = "00112233445566778899aabbccddeeff";
    auto r = memory_handshake(server_ctx->native_handle(), client_ctx.get());
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(username_from(r.server.get(), username_source::identity), "sensor1");
    psk_client::key_hex = "ffffffffffffffffffffffffffffffff";
    EXPECT_FALSE(memory_handshake(server_ctx->native_handle(), client_ctx.get()).ok);
    psk_client::identity = "nobody";
    EXPECT_FALSE(memory_handshake(server_ctx->native_handle(), client_ctx.get()).ok);
  }
}

std::string serial_of(SSL* ssl) {
  return std::to_string(ASN1_INTEGER_get(X509_get_serialNumber(SSL_get_certificate(ssl))));
}

TEST_F(ServerContext, ReloadSwapsForNewConnectionsAndKeepsTheOldOnABadFile) {
  auto s = certificate_listener();
  const auto cert_file = dir.path() / "live.pem";
  const auto key_file = dir.path() / "live.key";
  std::filesystem::copy_file(server.cert_file, cert_file);
  std::filesystem::copy_file(server.key_file, key_file);
  s.certfile = cert_file;
  s.keyfile = key_file;
  server_context context(s);
  const auto before = context.current();
  EXPECT_EQ(SSL_CTX_get0_certificate(before->native_handle()) != nullptr, true);

  auto renewed = pki.make_cert(ca, "renewed", testing::cert_request::named("CN=localhost"));
  std::filesystem::copy_file(renewed.cert_file, cert_file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(renewed.key_file, key_file,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(context.reload(), std::nullopt);
  const auto after = context.current();
  EXPECT_NE(after, before);
  auto r = memory_handshake(after->native_handle(), client_with(nullptr)->native_handle());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(serial_of(r.server.get()), std::to_string(renewed.serial));
  // A connection made before keeps the context it was accepted with.
  r = memory_handshake(before->native_handle(), client_with(nullptr)->native_handle());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(serial_of(r.server.get()), std::to_string(server.serial));

  // Half-written files (a key of another certificate): the reload is refused.
  std::filesystem::copy_file(client.key_file, key_file,
                             std::filesystem::copy_options::overwrite_existing);
  const auto failure = context.reload();
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->find("does not match"), std::string::npos) << *failure;
  EXPECT_EQ(context.current(), after);
}

TEST_F(ServerContext, StartUpErrorComesFromTheConstructor) {
  auto s = certificate_listener();
  s.keyfile = (dir.path() / "gone.key").string();
  EXPECT_THROW(server_context{s}, setup_error);
}

}  // namespace
}  // namespace tern::tls
