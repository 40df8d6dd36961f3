namespace Takt.Server.Web;

/// <summary>
/// The console's only script: SLA countdowns tick down from the time the server computed (so a server on another
/// clock still counts right) and the live latency table refreshes itself. Pages work without it.
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
        })();
        """;
}
