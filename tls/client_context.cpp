#include "tls/client_context.hpp"

#include <openssl/x509_vfy.h>
#include <boost/asio/ip/address.hpp>

#include "tls/context_files.hpp"
#include "tls/setup_error.hpp"

namespace tern::tls {

std::shared_ptr<boost::asio::ssl::context> build_client_context(const client_settings& s) {
  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  context->set_options(boost::asio::ssl::context::default_workarounds |
                       boost::asio::ssl::context::no_compression);
  set_min_version(ctx, s.version);
  const setting_names names{"bridge_certfile", "bridge_keyfile", "bridge_cafile", "bridge_capath"};
  if (s.cafile.empty() && s.capath.empty()) {
    throw setup_error(
        "a bridge over TLS needs the CA of the remote's certificate; add "
        "`bridge_cafile PATH` or `bridge_capath DIR`");
  }
  load_verify_locations(ctx, s.cafile, s.capath, names);
  if (!s.certfile.empty()) load_certificate(ctx, s.certfile, s.keyfile, names);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return context;
}

void prepare_client_session(SSL* ssl, const std::string& host, bool insecure) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI takes names only
  if (insecure) return;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (!ec) {
    X509_VERIFY_PARAM_set1_ip_asc(param, address.to_string().c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
}

}  // namespace tern::tls
