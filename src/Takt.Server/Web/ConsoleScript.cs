namespace Takt.Server.Web;

/// <summary>
/// The console's only script: SLA countdowns tick down from the time the server computed (so a server on another
/// clock still counts right), the live latency table refreshes itself, and a running outage demo's timeline fills in.
/// Pages work without it.
/// </summary>
internal static class ConsoleScript
{
    public const string Text = """
        "use strict";
        (() => {
          const loaded = performance.now();
          const fmt = ms => {
            const late = ms < 0; let s = Math.floor(Math.abs(ms) / 1000);
            const d = Math.floor(s / 86400); s -= d * 86400; const h = Math.floor(s / 3600); s -= h * 3600; const m = Math.floor(s / 60); s -= m * 60;
            const text = (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + s + "s";
            return late ? text + " overdue" : text + " left";
          };
          const tick = () => {
            for (const el of document.querySelectorAll("[data-remaining-ms]")) {
              const ms = Number(el.dataset.remainingMs) - (performance.now() - loaded);
              el.textContent = fmt(ms);
              el.classList.toggle("sla-late", ms < 0);
            }
          };
          tick(); setInterval(tick, 1000);

          const live = document.querySelector("[data-live-latency]");
          if (live) {
            const refresh = async () => {
              try {
                const r = await fetch(live.dataset.liveLatency, { headers: { accept: "application/json" }, credentials: "same-origin" });
                if (!r.ok || !(r.headers.get("content-type") || "").includes("json")) return;
                const rows = await r.json();
                const body = live.querySelector("tbody");
                body.replaceChildren(...rows.map(x => {
                  const tr = document.createElement("tr");
                  for (const [v, num] of [[x.plant, false], [x.count, true], [x.p50.toFixed(1), true], [x.p95.toFixed(1), true], [x.p99.toFixed(1), true]]) {
                    const td = document.createElement("td"); td.textContent = v; if (num) td.className = "num"; tr.append(td);
                  }
                  return tr;
                }));
                const stamp = document.querySelector("[data-live-stamp]");
                if (stamp) stamp.textContent = "updated " + new Date().toLocaleTimeString();
              } catch { /* the next refresh tries again */ }
            };
            setInterval(refresh, 5000);
          }

          const outage = document.querySelector("[data-live-outage]");
          if (outage && outage.dataset.state === "running") {
            const rows = (body, list, cells) => body.replaceChildren(...list.map(x => {
              const tr = document.createElement("tr");
              for (const [v, num, strong] of cells(x)) {
                const td = document.createElement("td"); if (num) td.className = "num";
                if (strong) { const b = document.createElement("strong"); b.textContent = v; td.append(b); } else td.textContent = v;
                tr.append(td);
              }
              return tr;
            }));
            const poll = async () => {
              try {
                const r = await fetch(outage.dataset.liveOutage, { headers: { accept: "application/json" }, credentials: "same-origin" });
                if (!r.ok || !(r.headers.get("content-type") || "").includes("json")) return setTimeout(poll, 1000);
                const run = await r.json();
                const [timeline, expedites] = outage.querySelectorAll("tbody");
                rows(timeline, run.steps, s => [[s.seconds.toFixed(2), true], [s.at.substring(11, 23), false], [s.step, false, true], [s.objects], [s.details]]);
                rows(expedites, run.expedites, e => [[e.requisition], [e.plant], [e.item], [String(e.quantity), true], [e.value.toFixed(2), true], [e.premiumFreight.toFixed(2), true], [e.status], [e.waitingFor]]);
                outage.dataset.state = run.state;
                const state = outage.querySelector("[data-outage-state]");
                state.textContent = run.state === "running" ? `Running (started by ${run.startedBy}): ${run.steps.length} step(s) so far.`
                  : run.state === "finished" ? `Finished: ${run.steps.length} steps (started by ${run.startedBy}).`
                  : `Failed after ${run.steps.length} step(s): ${run.error}`;
                if (run.state === "running") setTimeout(poll, 1000);
                else for (const b of document.querySelectorAll("form[aria-label='Run the scenario'] button")) b.disabled = false;
              } catch { setTimeout(poll, 2000); }
            };
            setTimeout(poll, 1000);
          }
        })();
        """;
}
