// tern: an MQTT 3.1 / 3.1.1 / 5.0 broker.
//
//   tern                 serve 127.0.0.1:1883 with the built-in defaults
//   tern -c FILE         read a mosquitto.conf-style file
//   tern -p PORT         serve 127.0.0.1:PORT (with -c: replaces its listeners)
//   tern -v              verbose (debug) logging
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "app/bridge_settings.hpp"
#include "app/broker_settings.hpp"
#include "app/config/config.hpp"
#include "app/store_startup.hpp"
#include "app/unsupported.hpp"
#include "bridge/bridge.hpp"
#include "net/server.hpp"
#include "store/sqlite_db.hpp"

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
  CLI11_PARSE(cli, argc, argv);

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
    if (!config_file.empty()) cfg = tern::app::load_config_file(config_file);
    tern::app::refuse_unsupported(cfg);
    if (!cfg.allow_anonymous && cfg.password_file.empty())
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
    {
      tern::net::server server(tern::app::make_broker_config(cfg), endpoints, threads, store.get(),
                               std::move(opened.restored));
      spdlog::info("tern {} starting with {} worker thread(s)", TERN_VERSION, threads);
      // After the server (destroyed before it): one worker per bridge, in turn.
      std::vector<std::shared_ptr<tern::bridge::bridge>> bridges;
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
      server.on_reload([&tls] { tls.reload(); });
      server.run();
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
