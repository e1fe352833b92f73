// tern: an MQTT 3.1 / 3.1.1 / 5.0 broker.
//
//   tern                 serve 127.0.0.1:1883 with the built-in defaults
//   tern -c FILE         read a mosquitto.conf-style file
//   tern -p PORT         serve 127.0.0.1:PORT (with -c: replaces its listeners)
//   tern -v              verbose (debug) logging
//   tern passwd ...      manage a password file (app/passwd.hpp)
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "app/bridge_settings.hpp"
#include "app/broker_settings.hpp"
#include "app/config/config.hpp"
#ifdef TERN_WITH_WEBSOCKET
#include "app/http_listeners.hpp"
#endif
#include "app/logging.hpp"
#include "app/passwd.hpp"
#include "app/sd_notify.hpp"
#include "app/store_startup.hpp"
#include "app/unsupported.hpp"
#include "bridge/bridge.hpp"
#include "net/server.hpp"
#include "session/broker.hpp"
#include "store/sqlite_db.hpp"

namespace {

// `log_dest topic`: what the sink queues is published by worker 0, routed
// as a client's message is. Detached when the server shuts down.
void publish_log_lines(const std::shared_ptr<tern::app::topic_log_sink>& sink,
                       tern::net::server& server) {
  sink->attach([sink, &server] {
    server.workers().post(0, [sink, &server] {
      auto& broker = server.core();
      sink->drain([&broker](tern::app::log_publication&& line) {
        tern::mqtt::publish p;
        p.topic = std::move(line.topic);
        p.payload = tern::mqtt::shared_bytes::copy_of(std::string_view(line.payload));
        p.qos = tern::mqtt::qos::exactly_once;  // as mosquitto
        p.properties.message_expiry_interval = 20;
        broker.publish(broker.make_message(std::move(p), 0));
      });
    });
  });
  server.on_shut_down([sink] { sink->attach({}); });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"tern: MQTT broker for edge gateways"};
  std::string config_file;
  int port = 0;
  bool verbose = false;
  cli.add_option("-c,--config-file", config_file, "mosquitto.conf-style configuration file")
      ->check(CLI::ExistingFile);
  cli.add_option("-p,--port", port, "listen on 127.0.0.1:PORT instead of the configured listeners")
      ->check(CLI::Range(1, 65535));
  cli.add_flag("-v,--verbose", verbose, "log debug messages");
  bool move_damaged_store = false;
  cli.add_flag("--move-damaged-store", move_damaged_store,
               "if the persistence store is damaged, rename it (and its -wal, -shm) to "
               "FILE.damaged-TIME and start with an empty store instead of stopping");
  cli.set_version_flag("--version", std::string(TERN_VERSION));
  tern::app::passwd_options pw;
  auto* passwd = cli.add_subcommand(
      "passwd", "add, change or delete a user in a password file (like mosquitto_passwd)");
  passwd->add_flag("-c", pw.create, "create the file (replacing any existing one)");
  passwd->add_flag("--scram", pw.scram,
                   "store SCRAM-SHA-256 keys, for MQTT 5 enhanced authentication (also good for "
                   "plain passwords); default: $7$ as mosquitto_passwd");
  passwd->add_flag("-b", pw.batch, "take the password from the command line");
  passwd->add_flag("-D", pw.remove, "delete the user");
  passwd->add_option("FILE", pw.file, "the password file")->required();
  passwd->add_option("USER", pw.user, "the user name")->required();
  passwd->add_option("PASSWORD", pw.password, "with -b: the password");
  CLI11_PARSE(cli, argc, argv);
  if (*passwd) return tern::app::run_passwd(pw);

  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  // Every client is a file descriptor: take all the kernel allows us
  // (often 1024 soft against 524288 hard), or a gateway tops out early.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  try {
    tern::app::config cfg;
    // What this build left out (TERN_WITH_TLS, TERN_WITH_WEBSOCKET) is
    // refused at its line.
    constexpr auto built = tern::app::compiled_features();
    if (!config_file.empty()) cfg = tern::app::load_config_file(config_file, built);
    tern::app::refuse_unsupported(cfg);
    tern::app::log_setup logs;
    logs.apply(cfg, verbose);
    if (!cfg.per_listener_settings && !cfg.allow_anonymous && cfg.password_file.empty())
      spdlog::warn(
          "allow_anonymous is false and there is no password_file: every client will be "
          "refused (set allow_anonymous true or add a password_file)");
    for (const auto& note : cfg.notes)
      spdlog::info("{}", note);
    // Certificates and keys are read now: a bad file stops start-up.
    tern::app::tls_listeners tls(cfg);
    auto endpoints = tern::app::listen_endpoints(cfg, port, tls);
    const unsigned threads =
        cfg.threads != 0 ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
    auto bridge_options = tern::app::make_bridge_options(cfg);  // config errors before the store
    tern::app::opened_store opened;
    if (cfg.persistence) opened = tern::app::open_store(cfg, move_damaged_store);
    auto& store = opened.store;
    auto broker_config = tern::app::make_broker_config(cfg);
    tern::app::bound_bridge_queues(bridge_options, broker_config);
    {
      tern::net::server server(std::move(broker_config), endpoints, threads, store.get(),
                               std::move(opened.restored));
      server.limit_connections(
          cfg.max_connections,
          {cfg.connection_rate_count, std::chrono::seconds(cfg.connection_rate_seconds)});
      spdlog::info("tern {} starting with {} worker thread(s)", TERN_VERSION, threads);
      // After the server (destroyed before it): one worker per bridge, in turn.
      std::vector<std::shared_ptr<tern::bridge::bridge>> bridges;
#ifdef TERN_WITH_WEBSOCKET
      std::vector<std::pair<std::string, std::string>> bridge_ids;  // name, local client id
      for (const auto& options : bridge_options)
        bridge_ids.emplace_back(options.name, options.local_clientid);
#endif
      for (auto& options : bridge_options) {
        const unsigned worker = server.workers().next_for_connection();
        bridges.push_back(std::make_shared<tern::bridge::bridge>(
            std::move(options), server.core(), server.workers().context(worker), worker));
        bridges.back()->start();
      }
      server.on_shut_down([&bridges] {
        for (auto& b : bridges)
          b->stop();
      });
      server.on_reload([&bridges] {
        for (auto& b : bridges)
          b->reload_tls();
      });
      server.on_reload([&tls] { tls.reload(); });
      publish_log_lines(logs.topic_sink(), server);

      // Ready once the listeners accept, not while starting or draining:
      // for systemd, and /readyz of the http listeners.
      auto ready = std::make_shared<std::atomic<bool>>(false);
      server.on_shut_down([ready] {
        ready->store(false);
        tern::app::sd_notify("STOPPING=1");
      });
      server.on_reload([&logs, &config_file, built, verbose] {
        // What can change without a restart: log settings (and, in the
        // server, the password and ACL files; in http_listeners, the http
        // users).
        if (!config_file.empty()) {
          try {
            auto fresh = tern::app::load_config_file(config_file, built);
            // Said under the old settings, which may be the last it is heard.
            spdlog::info("SIGHUP: applying the log settings of {} (log file reopened)",
                         config_file);
            logs.apply(fresh, verbose);
          } catch (const std::exception& e) {
            logs.reopen();
            spdlog::error("SIGHUP: {}; the previous log settings stay", e.what());
          }
        } else {
          logs.reopen();
        }
      });
#ifdef TERN_WITH_WEBSOCKET
      // `protocol http` listeners: metrics, health, the status page.
      tern::app::http_listeners http(
          cfg, server,
          {[&server] { return server.figures(); },
           [&server, bridge_ids] {
             std::vector<tern::app::bridge_state> states;
             for (const auto& [name, local_id] : bridge_ids) {
               const auto s = server.core().find_session(local_id);
               states.push_back({name, s && s->online.load(std::memory_order_relaxed)});
             }
             return states;
           },
           ready});
#endif
      // Runs once the workers do, i.e. when the listeners accept.
      server.workers().post(0, [ready] {
        ready->store(true);
        tern::app::sd_notify("READY=1");
      });
      server.run();
      logs.topic_sink()->attach({});
      // Everything submitted is written before the broker goes away.
      if (store) store->flush_and_stop();
    }
  } catch (const tern::store::store_error& e) {
    std::cerr << "tern: " << e.what() << '\n';
    if (e.code() == tern::store::store_error::damaged_code ||
        e.code() == tern::store::store_error::not_a_database_code)
      std::cerr << "tern: to move it aside and start empty in one step, run tern with "
                   "--move-damaged-store\n";
    return 1;
  } catch (const tern::app::config_error& e) {
    std::cerr << "tern: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tern: " << e.what() << '\n';
    return 1;
  }
  return EXIT_SUCCESS;
}
