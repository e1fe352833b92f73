// SCRAM-SHA-256 server against RFC 7677 section 3's example exchange
// (user "user", password "pencil"), and its failures.
#include "auth/scram.hpp"

#include <gtest/gtest.h>

#include "auth/password_file.hpp"
#include "auth/password_hash.hpp"

namespace tern::auth {
namespace {

using outcome = broker::authenticator::outcome;

// RFC 7677 section 3.
constexpr std::string_view client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

scram_credentials pencil() {
  std::vector<std::uint8_t> salt;
  EXPECT_TRUE(decode_base64("W22ZaJ0SNY7soEsUEjb6gQ==", salt));
  return derive_scram("pencil", salt, 4096);
}

scram_server::lookup only_user(scram_credentials c) {
  return [c](std::string_view name) -> std::optional<scram_credentials> {
    if (name == "user") return c;
    return std::nullopt;
  };
}

TEST(scram, rfc_7677_exchange) {
  scram_server server(only_user(pencil()), std::string(server_nonce));
  auto first = server.next(client_first);
  ASSERT_EQ(first.result, outcome::more) << first.why;
  EXPECT_EQ(first.data, server_first);
  auto last = server.next(client_final);
  ASSERT_EQ(last.result, outcome::success) << last.why;
  EXPECT_EQ(last.data, server_final);
  EXPECT_EQ(last.username, "user");
  // The exchange is over: nothing more is accepted.
  EXPECT_EQ(server.next(client_final).result, outcome::failure);
}

TEST(scram, a_wrong_proof_fails) {
  scram_server server(only_user(derive_scram("not pencil", pencil().salt, 4096)),
                      std::string(server_nonce));
  ASSERT_EQ(server.next(client_first).result, outcome::more);
  const auto last = server.next(client_final);
  EXPECT_EQ(last.result, outcome::failure);
  EXPECT_TRUE(last.data.empty());
}

TEST(scram, an_unknown_user_gets_a_stable_made_up_salt_and_fails_at_the_proof) {
  const auto salt_of = [](std::string_view first) {
    scram_server server(only_user(pencil()));
    const auto step = server.next(first);
    EXPECT_EQ(step.result, outcome::more);
    return step.data.substr(step.data.find(",s="));
  };
  EXPECT_EQ(salt_of("n,,n=nobody,r=abc"), salt_of("n,,n=nobody,r=xyz"));
  EXPECT_NE(salt_of("n,,n=nobody,r=abc"), salt_of("n,,n=somebody,r=abc"));
  scram_server server(only_user(pencil()), std::string(server_nonce));
  ASSERT_EQ(server.next("n,,n=nobody,r=rOprNGfwEbeRWgbNEkqO").result, outcome::more);
  EXPECT_EQ(server.next(client_final).result, outcome::failure);
}

TEST(scram, malformed_or_unsupported_messages_fail) {
  for (std::string_view bad :
       {"", "n,,", "n=user,r=abc", "p=tls-unique,,n=user,r=abc", "x,,n=user,r=abc",
        "n,,r=abc,n=user", "n,,n=user", "n,,n=user,r=", "n,,m=ext,n=user,r=abc", "n,,n=us=er,r=abc",
        "n,a=other,n=user,r=abc"}) {
    scram_server server(only_user(pencil()));
    EXPECT_EQ(server.next(bad).result, outcome::failure) << bad;
  }
  const std::string_view bad_finals[] = {
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",  // no proof
      "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // y,, is not what was sent
      "c=biws,r=rOprNGfwEbeRWgbNEkqOother,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!"};
  for (auto bad : bad_finals) {
    scram_server server(only_user(pencil()), std::string(server_nonce));
    ASSERT_EQ(server.next(client_first).result, outcome::more);
    EXPECT_EQ(server.next(bad).result, outcome::failure) << bad;
  }
}

TEST(scram, escaped_user_names_are_unescaped) {
  scram_server server([](std::string_view name) -> std::optional<scram_credentials> {
    if (name == "a,b=c") return pencil();
    return std::nullopt;
  });
  const auto step = server.next("n,,n=a=2Cb=3Dc,r=abc");
  ASSERT_EQ(step.result, outcome::more);
  EXPECT_NE(step.data.find(",s=W22ZaJ0SNY7soEsUEjb6gQ==,"), std::string::npos);
}

TEST(scram, the_password_file_line_round_trips_and_checks_plain_passwords) {
  const auto c = pencil();
  const std::string line = "user:" + format_scram(c) + "\n";
  const auto file = password_file::parse(line, "pw");
  const password_entry* e = file.find("user");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, hash_kind::scram_sha256);
  EXPECT_EQ(e->iterations, 4096u);
  EXPECT_TRUE(verify_password(*e, "pencil"));
  EXPECT_FALSE(verify_password(*e, "pencil2"));
  const auto back = scram_credentials_of(*e);
  EXPECT_EQ(back.stored_key, c.stored_key);
  EXPECT_EQ(back.server_key, c.server_key);
}

TEST(scram, bad_password_file_lines_name_the_problem) {
  for (std::string_view bad : {"u:$scram-sha-256$4096$W22ZaJ0SNY7soEsUEjb6gQ==$AAAA\n",
                               "u:$scram-sha-256$0$W22ZaJ0SNY7soEsUEjb6gQ==$AAAA$AAAA\n",
                               "u:$scram-sha-256$4096$AA==$AAAA$AAAA\n"}) {
    EXPECT_THROW(password_file::parse(bad, "pw"), std::exception) << bad;
  }
}

TEST(base64, encodes_rfc_4648_vectors) {
  const auto enc = [](std::string_view s) {
    return encode_base64(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(enc(""), "");
  EXPECT_EQ(enc("f"), "Zg==");
  EXPECT_EQ(enc("fo"), "Zm8=");
  EXPECT_EQ(enc("foo"), "Zm9v");
  EXPECT_EQ(enc("foob"), "Zm9vYg==");
  EXPECT_EQ(enc("fooba"), "Zm9vYmE=");
  EXPECT_EQ(enc("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace tern::auth
