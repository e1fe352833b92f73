#pragma once
// A durable_store for component tests: it records every event and commits
// only when told (or at each settle() round when auto_commit is on), on the
// test's thread, so a test decides exactly when "on disk" happens. With an
// inner store (a real sqlite_store) it also writes through, and commit()
// waits for the inner store to catch up, so a second broker can restore
// what the first one wrote.
//
// Thread: the test's only.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "store/durable_store.hpp"

namespace tern::broker::test {

class test_store final : public store::durable_store {
 public:
  explicit test_store(store::durable_store* inner = nullptr) : inner_(inner) {}

  store::restored_state restore() override {
    return inner_ ? inner_->restore() : store::restored_state{};
  }
  std::uint64_t submit(store::store_op op) override {
    if (auto* load = std::get_if<store::load_deliveries>(&op)) {
      ++pages_read;
      return submit_load(std::move(*load), std::vector<store::restored_delivery>{});
    }
    if (auto* load = std::get_if<store::load_messages>(&op)) {
      ++message_reads;
      auto found = recorded_messages(load->ids);
      return submit_load(std::move(*load), std::move(found));
    }
    ops.push_back(op);
    if (inner_) inner_->submit(std::move(op));
    return ++submitted_;
  }
  std::uint64_t submit_all(std::vector<store::store_op>& group) override {
    group_sizes.push_back(group.size());
    ops.insert(ops.end(), group.begin(), group.end());
    submitted_ += group.size();
    if (inner_) inner_->submit_all(group);
    group.clear();
    return submitted_;
  }
  std::uint64_t committed() const noexcept override { return committed_; }
  void on_commit(std::function<void(std::uint64_t)> listener) override {
    listener_ = std::move(listener);
  }
  void flush_and_stop() override {
    if (inner_) inner_->flush_and_stop();
  }

  bool pending() const noexcept { return committed_ < submitted_ || !loads_.empty(); }
  // Everything submitted so far is now "on disk", and pages asked for are
  // handed over (on the test's thread).
  void commit() {
    if (!pending()) return;
    if (inner_)
      while (inner_->committed() < submitted_ || !all_loaded())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    committed_ = submitted_;
    if (listener_) listener_(committed_);
    auto loads = std::move(loads_);
    loads_.clear();
    for (auto& l : loads)
      l.hand_over();
  }
  std::size_t pages_read = 0;
  std::size_t message_reads = 0;  // load_messages submitted
  // Events of type T recorded so far.
  template <class T>
  std::vector<T> recorded() const {
    std::vector<T> out;
    for (const auto& op : ops)
      if (const auto* x = std::get_if<T>(&op)) out.push_back(*x);
    return out;
  }

  bool auto_commit = true;
  std::vector<store::store_op> ops;
  std::vector<std::size_t> group_sizes;  // of each submit_all()

 private:
  struct pending_load {
    std::function<void()> hand_over;  // gives the caller what was read
    std::shared_ptr<std::atomic<bool>> ready;
  };
  // Hands `load`'s result over in commit(): `result` as given without an
  // inner store (an empty page; messages from the events recorded), or what
  // the inner store reads on its thread.
  template <class Load, class Result>
  std::uint64_t submit_load(Load load, Result result) {
    auto out = std::make_shared<Result>(std::move(result));
    auto ready = std::make_shared<std::atomic<bool>>(inner_ == nullptr);
    loads_.push_back({[done = std::move(load.done), out] { done(std::move(*out)); }, ready});
    if (inner_) {
      load.done = [out, ready](Result&& got) {
        *out = std::move(got);
        ready->store(true);
      };
      inner_->submit(std::move(load));
    }
    return ++submitted_;
  }
  std::vector<mqtt::message_ptr> recorded_messages(const std::vector<std::uint64_t>& ids) const {
    std::vector<mqtt::message_ptr> out;
    if (inner_) return out;
    for (const auto id : ids)
      out.push_back(recorded_message(id));
    return out;
  }
  // The last retained slot or delivery recorded with message `id`.
  mqtt::message_ptr recorded_message(std::uint64_t id) const {
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      if (const auto* r = std::get_if<store::put_retained>(&*it); r && r->message->id == id)
        return r->message;
      if (const auto* d = std::get_if<store::put_delivery>(&*it);
          d && d->delivery.message->id == id)
        return d->delivery.message;
    }
    return nullptr;
  }
  bool all_loaded() const {
    for (const auto& l : loads_)
      if (!l.ready->load()) return false;
    return true;
  }

  std::vector<pending_load> loads_;
  store::durable_store* inner_;
  std::uint64_t submitted_ = 0;
  std::uint64_t committed_ = 0;
  std::function<void(std::uint64_t)> listener_;
};

}  // namespace tern::broker::test
