namespace Takt.Server.Web;

/// <summary>The console's style sheet, inlined in each page (no static files to ship). Colors keep WCAG AA contrast on white.</summary>
internal static class ConsoleStyle
{
    public const string Css = """
        :root{--ink:#1d2733;--muted:#4f5b67;--line:#d3dae2;--bg:#f5f7fa;--accent:#1f5fa8;--bad:#b3261e;--good:#1e6b34;--warn:#8a5300}
        *{box-sizing:border-box}
        body{font-family:system-ui,"Liberation Sans",sans-serif;margin:0;color:var(--ink);background:#fff;font-size:15px;line-height:1.4}
        a{color:var(--accent)}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #f0a000;outline-offset:2px}
        .skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.4rem;z-index:9}
        .top{display:flex;align-items:center;gap:1rem;flex-wrap:wrap;padding:.4rem 1rem;background:#16324f;color:#fff}
        .top a{color:#fff}.brand{font-weight:bold;font-size:1.2rem;text-decoration:none}
        .top nav ul{display:flex;gap:.2rem;list-style:none;margin:0;padding:0;flex-wrap:wrap}
        .top nav a{display:block;padding:.35rem .55rem;border-radius:4px;text-decoration:none}
        .top nav a[aria-current=page],.top nav a:hover{background:#2c5580}
        .signout{margin-left:auto;display:flex;gap:.5rem;align-items:center}.who{font-size:.85rem}
        main{padding:1rem 1.2rem;max-width:84rem}
        h1{font-size:1.5rem;margin:.2rem 0 .8rem}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
        table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
        th,td{padding:.3rem .55rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        th{background:var(--bg);font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
        .muted{color:var(--muted)}.bad{color:var(--bad)}.good{color:var(--good)}.warn{color:var(--warn)}
        button,.button{font:inherit;padding:.35rem .8rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
        button.secondary{background:#fff;color:var(--accent)}button.danger{background:var(--bad);border-color:var(--bad)}
        .top button.secondary{border-color:#fff}
        input,select,textarea{font:inherit;padding:.3rem;border:1px solid #8a96a3;border-radius:4px}
        textarea{width:100%;font-family:ui-monospace,"Liberation Mono",monospace;font-size:.9rem}
        label{font-weight:600}.field{display:flex;flex-direction:column;gap:.2rem;margin:.5rem 0;max-width:28rem}
        .card{border:1px solid var(--line);border-radius:6px;padding:.7rem .9rem;margin:.6rem 0;background:#fff}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:.8rem}
        .notice{padding:.6rem .8rem;border-radius:4px;margin:.6rem 0;border-left:4px solid var(--accent);background:#eaf1fa}
        .notice.bad{border-color:var(--bad);background:#fbeceb;color:var(--ink)}.notice.good{border-color:var(--good);background:#e8f4ec;color:var(--ink)}
        .placeholder{border:2px dashed #8a96a3;padding:1rem;border-radius:6px;background:var(--bg)}
        .tag{display:inline-block;padding:0 .4rem;border-radius:3px;background:var(--bg);border:1px solid var(--line);font-size:.85rem}
        .sla-late{color:var(--bad);font-weight:600}
        dl.context{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}dl.context dt{color:var(--muted)}dl.context dd{margin:0}
        .row{display:flex;gap:.6rem;align-items:flex-end;flex-wrap:wrap}
        .chart{max-width:100%;height:auto}.legend span{margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
        pre{background:var(--bg);padding:.6rem;overflow:auto;font-size:.85rem;max-height:28rem}
        .diff-del{background:#fbeceb}.diff-add{background:#e8f4ec}
        .map{overflow:auto;border:1px solid var(--line);max-height:36rem;margin:0}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        """;
}
