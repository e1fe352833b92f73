#include "session/sys_topics.hpp"

#include <cmath>
#include <cstdio>

#include "session/broker.hpp"

namespace tern::broker {
namespace {
std::string format_load(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
}  // namespace

sys_topics::sys_topics(broker& b)
    : broker_(b), started_(std::chrono::steady_clock::now()), last_(started_) {}

void sys_topics::publish_value(const std::string& topic, const std::string& value) {
  auto m = std::make_shared<mqtt::application_message>();
  m->packet.topic = topic;
  m->packet.payload = mqtt::shared_bytes::copy_of(value);
  m->packet.retain = true;
  broker_.publish(m);
}

void sys_topics::publish_load(const std::string& name, load& l, std::uint64_t total,
                              double interval_s) {
  // Per-minute rate over this interval, folded into decaying averages.
  const double per_minute = static_cast<double>(total - l.last_total) * 60.0 / interval_s;
  l.last_total = total;
  static constexpr std::array<double, 3> window_s{60.0, 300.0, 900.0};
  static constexpr std::array<const char*, 3> suffix{"1min", "5min", "15min"};
  for (std::size_t i = 0; i < 3; ++i) {
    const double decay = std::exp(-interval_s / window_s[i]);
    l.average[i] = l.average[i] * decay + per_minute * (1.0 - decay);
    publish_value("$SYS/broker/load/" + name + "/" + suffix[i], format_load(l.average[i]));
  }
}

void sys_topics::publish(std::chrono::steady_clock::time_point now) {
  auto& s = broker_.stats();
  const auto get = [](const auto& c) { return std::to_string(broker_stats::get(c)); };
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
  const std::size_t total_sessions = broker_.session_count();
  const auto connected = broker_stats::get(s.clients_connected);

  publish_value("$SYS/broker/version", broker_.config().version);
  publish_value("$SYS/broker/uptime", std::to_string(uptime) + " seconds");
  publish_value("$SYS/broker/clients/connected", std::to_string(connected));
  publish_value("$SYS/broker/clients/active", std::to_string(connected));
  publish_value("$SYS/broker/clients/total",
                std::to_string(std::max<std::uint64_t>(total_sessions, connected)));
  publish_value("$SYS/broker/clients/disconnected",
                std::to_string(total_sessions > connected ? total_sessions - connected : 0));
  publish_value("$SYS/broker/clients/inactive",
                std::to_string(total_sessions > connected ? total_sessions - connected : 0));
  publish_value("$SYS/broker/clients/maximum", get(s.clients_maximum));
  publish_value("$SYS/broker/clients/expired", get(s.clients_expired));
  publish_value("$SYS/broker/messages/received", get(s.messages_received));
  publish_value("$SYS/broker/messages/sent", get(s.messages_sent));
  publish_value("$SYS/broker/publish/messages/received", get(s.publish_received));
  publish_value("$SYS/broker/publish/messages/sent", get(s.publish_sent));
  publish_value("$SYS/broker/publish/messages/dropped",
                std::to_string(broker_stats::get(s.dropped_qos0_backlog) +
                               broker_stats::get(s.dropped_queue_full) +
                               broker_stats::get(s.dropped_too_large) +
                               broker_stats::get(s.dropped_expired)));
  publish_value("$SYS/broker/bytes/received", get(s.bytes_received));
  publish_value("$SYS/broker/bytes/sent", get(s.bytes_sent));
  publish_value("$SYS/broker/subscriptions/count", std::to_string(broker_.subscription_count()));
  publish_value("$SYS/broker/retained messages/count", std::to_string(broker_.retained_count()));
  // tern's own: why messages were dropped.
  publish_value("$SYS/broker/tern/dropped/qos0_backlog", get(s.dropped_qos0_backlog));
  publish_value("$SYS/broker/tern/dropped/queue_full", get(s.dropped_queue_full));
  publish_value("$SYS/broker/tern/dropped/too_large", get(s.dropped_too_large));
  publish_value("$SYS/broker/tern/dropped/expired", get(s.dropped_expired));

  const double interval_s = std::max(0.001, std::chrono::duration<double>(now - last_).count());
  last_ = now;
  publish_load("messages/received", messages_received_, broker_stats::get(s.messages_received),
               interval_s);
  publish_load("messages/sent", messages_sent_, broker_stats::get(s.messages_sent), interval_s);
  publish_load("publish/received", publish_received_, broker_stats::get(s.publish_received),
               interval_s);
  publish_load("publish/sent", publish_sent_, broker_stats::get(s.publish_sent), interval_s);
  publish_load("bytes/received", bytes_received_, broker_stats::get(s.bytes_received), interval_s);
  publish_load("bytes/sent", bytes_sent_, broker_stats::get(s.bytes_sent), interval_s);
}

}  // namespace tern::broker
