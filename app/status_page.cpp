#include "app/status_page.hpp"

#include <fmt/format.h>

namespace tern::app {
namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The page. Rates are counter differences between events divided by the
// time between them, kept for the last `keep` events (one per second).
constexpr std::string_view page_template = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>tern status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
h1{font-size:1.3em;margin:0 0 .2em}
#state{color:#666;margin-bottom:1em}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin-bottom:1em}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6em .9em;min-width:9em}
.card b{display:block;font-size:1.5em}
svg{background:#fff;border:1px solid #ddd;border-radius:6px}
.legend span{margin-right:1.2em}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
.up{color:#187a2f}.down{color:#b3261e}
</style></head><body>
<h1><span id="version">tern</span> status</h1>
<div id="state">connecting to __EVENTS__ ...</div>
<div class="cards">
<div class="card">clients connected<b id="connected">-</b></div>
<div class="card">sessions<b id="sessions">-</b></div>
<div class="card">subscriptions<b id="subscriptions">-</b></div>
<div class="card">retained<b id="retained">-</b></div>
<div class="card">messages in/s<b id="rate-in">-</b></div>
<div class="card">messages out/s<b id="rate-out">-</b></div>
<div class="card">dropped<b id="dropped">-</b></div>
<div class="card">store<b id="store">-</b></div>
</div>
<svg id="plot" width="720" height="240" viewBox="0 0 720 240">
<text x="8" y="16" font-size="12" fill="#666">messages per second, last 5 minutes</text>
<text id="ymax" x="8" y="34" font-size="11" fill="#666">0</text>
<line x1="40" y1="230" x2="712" y2="230" stroke="#ccc"/>
<polyline id="line-in" fill="none" stroke="#1565c0" stroke-width="2" points=""/>
<polyline id="line-out" fill="none" stroke="#e65100" stroke-width="2" points=""/>
</svg>
<div class="legend"><span style="color:#1565c0">&#9632; received</span><span style="color:#e65100">&#9632; sent</span></div>
<table id="bridges"><thead><tr><th>bridge</th><th>state</th></tr></thead><tbody></tbody></table>
<script>
"use strict";
const keep = 300, samples = [];
let last = null, events = 0;
function bytes(n){const u=["B","KiB","MiB","GiB"];let i=0;while(n>=1024&&i<3){n/=1024;i++;}return n.toFixed(i?1:0)+" "+u[i];}
function set(id,v){document.getElementById(id).textContent=v;}
function draw(){
  let max=1;for(const s of samples)max=Math.max(max,s.in,s.out);
  set("ymax",max.toFixed(0));
  const pts=k=>samples.map((s,i)=>{const x=40+672*(i+keep-samples.length)/(keep-1);
    return x.toFixed(1)+","+(230-210*s[k]/max).toFixed(1);}).join(" ");
  document.getElementById("line-in").setAttribute("points",pts("in"));
  document.getElementById("line-out").setAttribute("points",pts("out"));
}
const source=new EventSource("__EVENTS__");
source.onopen=()=>set("state","live");
source.onerror=()=>set("state","disconnected, retrying ...");
source.onmessage=e=>{
  const f=JSON.parse(e.data), now=performance.now();
  events++;
  set("version",f.version);set("connected",f.clients_connected);set("sessions",f.clients_total);
  set("subscriptions",f.subscriptions);set("retained",f.retained);set("dropped",f.dropped);
  set("store",f.persistence?bytes(f.store_bytes):"off");
  if(last){const dt=Math.max(0.001,(now-last.t)/1000);
    const s={in:(f.publish_received-last.f.publish_received)/dt,out:(f.publish_sent-last.f.publish_sent)/dt};
    samples.push(s);if(samples.length>keep)samples.shift();
    set("rate-in",s.in.toFixed(0));set("rate-out",s.out.toFixed(0));draw();}
  last={f:f,t:now};
  const body=document.querySelector("#bridges tbody");body.textContent="";
  for(const b of f.bridges){const tr=document.createElement("tr");
    const n=document.createElement("td");n.textContent=b.name;
    const st=document.createElement("td");st.textContent=b.connected?"connected":"down";st.className=b.connected?"up":"down";
    tr.append(n,st);body.append(tr);}
  set("state","live, "+events+" updates");
};
</script></body></html>
)html";

}  // namespace

std::string status_page_html(std::string_view events_path) {
  std::string page(page_template);
  const std::string marker = "__EVENTS__";
  for (auto at = page.find(marker); at != std::string::npos; at = page.find(marker, at))
    page.replace(at, marker.size(), events_path);
  return page;
}

std::string status_event(const broker::sys_figures& f, const std::vector<bridge_state>& bridges) {
  std::string out = fmt::format(
      R"({{"version":{},"uptime":{},"clients_connected":{},"clients_total":{},)"
      R"("subscriptions":{},"retained":{},"publish_received":{},"publish_sent":{},)"
      R"("bytes_received":{},"bytes_sent":{},"dropped":{},"heap":{},"persistence":{},)"
      R"("store_bytes":{},"bridges":[)",
      json_string(f.version), f.uptime_s, f.clients_connected, f.clients_total, f.subscriptions,
      f.retained, f.publish_received, f.publish_sent, f.bytes_received, f.bytes_sent,
      f.dropped_total(), f.heap_current, f.persistence ? "true" : "false", f.store.file_bytes);
  for (std::size_t i = 0; i < bridges.size(); ++i) {
    if (i != 0) out += ',';
    out += fmt::format(R"({{"name":{},"connected":{}}})", json_string(bridges[i].name),
                       bridges[i].connected ? "true" : "false");
  }
  return out + "]}";
}

}  // namespace tern::app
