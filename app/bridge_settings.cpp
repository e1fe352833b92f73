#include "app/bridge_settings.hpp"

#include <unistd.h>

#include <array>
#include <sstream>
#include <stdexcept>

#ifdef TERN_WITH_TLS
#include "tls/client_context.hpp"
#include "tls/setup_error.hpp"
#endif

namespace tern::app {
namespace {

std::vector<std::string> words(const std::string& value) {
  std::vector<std::string> out;
  std::istringstream in(value);
  for (std::string w; in >> w;)
    out.push_back(w == "\"\"" ? std::string() : w);  // "" writes an empty part
  return out;
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "tern";
  return name.data();
}

// HOST or HOST:PORT, as the config reader checked it (the port follows
// the last colon, so an IPv6 address needs one, as in mosquitto).
bridge::remote_address parse_address(const std::string& text) {
  bridge::remote_address a;
  const auto colon = text.rfind(':');
  a.host = text.substr(0, colon);
  if (colon != std::string::npos)
    a.port = static_cast<std::uint16_t>(std::stoul(text.substr(colon + 1)));
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  return a;
}

bridge::topic_rule parse_topic(const std::string& value) {
  const auto w = words(value);
  bridge::topic_rule r;
  r.pattern = w.at(0);
  if (w.size() > 1) {
    r.dir = w[1] == "in"     ? bridge::direction::in
            : w[1] == "both" ? bridge::direction::both
                             : bridge::direction::out;
  }
  if (w.size() > 2) r.qos = static_cast<mqtt::qos>(std::stoul(w[2]));
  if (w.size() > 4) {
    r.local_prefix = w[3];
    r.remote_prefix = w[4];
  }
  return r;
}

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw config_error(where, what);
}

// bridge_cafile, bridge_capath, bridge_certfile, bridge_keyfile,
// bridge_insecure, bridge_tls_version (checked by the config reader).
bool tls_setting(tls::client_settings& tls, const std::string& key, const std::string& value) {
  if (key == "bridge_cafile") {
    tls.cafile = value;
  } else if (key == "bridge_capath") {
    tls.capath = value;
  } else if (key == "bridge_certfile") {
    tls.certfile = value;
  } else if (key == "bridge_keyfile") {
    tls.keyfile = value;
  } else if (key == "bridge_insecure") {
    tls.insecure = value == "true";
  } else if (key == "bridge_tls_version") {
    tls.version = value == "tlsv1.3" ? tls::min_version::tls1_3 : tls::min_version::tls1_2;
  } else {
    return false;
  }
  return true;
}

// TLS to the remote when bridge_cafile or bridge_capath is given (as
// mosquitto); the files are read now, so a bad one stops start-up.
void set_up_tls(bridge::bridge_options& o, const tls::client_settings& tls,
                const std::string& where) {
  if (tls.cafile.empty() && tls.capath.empty()) return;
#ifdef TERN_WITH_TLS
  try {
    o.tls_context = tls::build_client_context(tls);
  } catch (const tls::setup_error& e) {
    refuse(where, "bridge `" + o.name + "`: " + e.what());
  }
  o.tls = tls;
#else
  // The config reader refuses bridge_cafile and bridge_capath in this
  // build, at their line.
  throw std::logic_error("bridge `" + o.name + "` (" + where + ") uses TLS in a build without it");
#endif
}

bridge::bridge_options make_one(const bridge_config& b) {
  bridge::bridge_options o;
  o.name = b.name;
  tls::client_settings tls;
  std::string tls_where;  // the first bridge_* TLS line
  for (std::size_t i = 0; i < b.settings.size(); ++i) {
    const auto& [key, value] = b.settings[i];
    const std::string& where = b.setting_sources[i];
    if (key == "address") {
      for (const auto& a : words(value))
        o.addresses.push_back(parse_address(a));
    } else if (key == "topic") {
      o.topics.push_back(parse_topic(value));
    } else if (key == "round_robin") {
      o.round_robin = value == "true";
    } else if (key == "cleansession") {
      o.clean_session = value == "true";
    } else if (key == "try_private") {
      o.try_private = value == "true";
    } else if (key == "notifications") {
      o.notifications = value == "true";
    } else if (key == "bridge_protocol_version") {
      o.version = value == "mqttv50"   ? mqtt::protocol_version::v5
                  : value == "mqttv31" ? mqtt::protocol_version::v3_1
                                       : mqtt::protocol_version::v3_1_1;
    } else if (key == "keepalive_interval") {
      o.keepalive_seconds = static_cast<std::uint16_t>(std::stoul(value));
    } else if (key == "restart_timeout") {
      const auto w = words(value);
      o.restart_base = std::chrono::seconds(std::stoul(w[0]));
      o.restart_cap.reset();  // one number: a constant delay
      if (w.size() == 2) o.restart_cap = std::chrono::seconds(std::stoul(w[1]));
    } else if (key == "start_type") {
      o.start = value == "lazy"   ? bridge::start_type::lazy
                : value == "once" ? bridge::start_type::once
                                  : bridge::start_type::automatic;
    } else if (key == "threshold") {
      o.threshold = std::stoull(value);
    } else if (key == "idle_timeout") {
      o.idle_timeout = std::chrono::seconds(std::stoul(value));
    } else if (key == "bridge_max_queued_messages") {
      if (!o.queue_bound) o.queue_bound.emplace();
      o.queue_bound->messages = std::stoull(value);
    } else if (key == "bridge_max_queued_bytes") {
      if (!o.queue_bound) o.queue_bound.emplace();
      o.queue_bound->bytes = std::stoull(value);
    } else if (key == "remote_clientid") {
      o.remote_clientid = value;
    } else if (key == "local_clientid") {
      o.local_clientid = value;
    } else if (key == "remote_username") {
      o.remote_username = value;
    } else if (key == "remote_password") {
      o.remote_password = value;
    } else if (key.starts_with("bridge_") && tls_setting(tls, key, value)) {
      if (tls_where.empty()) tls_where = where;
    } else {
      refuse(where, "`" + key + "` is not supported by this build of tern's bridges yet");
    }
  }
  set_up_tls(o, tls, tls_where);
  if (o.remote_clientid.empty()) o.remote_clientid = host_name() + "." + o.name;
  if (o.local_clientid.empty()) o.local_clientid = "local." + o.remote_clientid;
  if (o.local_clientid == o.remote_clientid)
    refuse(b.source, "bridge `" + o.name +
                         "`: local_clientid and remote_clientid are the same; give them "
                         "different values");
  return o;
}

}  // namespace

std::vector<bridge::bridge_options> make_bridge_options(const config& cfg) {
  std::vector<bridge::bridge_options> out;
  for (const auto& b : cfg.bridges)
    out.push_back(make_one(b));
  return out;
}

void bound_bridge_queues(const std::vector<bridge::bridge_options>& bridges,
                         broker::broker_config& b) {
  for (const auto& o : bridges)
    if (o.queue_bound) b.own_queue_bounds[o.local_clientid] = *o.queue_bound;
}

}  // namespace tern::app
