#!/usr/bin/python3
"""Draws the panels of cache-metrics/grafana/etcd-cache.json as Grafana lays them out, each panel's
own PromQL queries evaluated by a real Prometheus over a time window (scripts/dashboard-picture.sh
feeds it from the demo and a cache-server). No Grafana runs on the build machines, so this is not
Grafana's rendering; it is the dashboard's queries, layout, titles and legends, drawn with
matplotlib, so the picture shows exactly what the dashboard's queries return.

usage: dashboard_picture.py --prometheus URL --dashboard FILE --start UNIX --end UNIX --out PNG
                            [--rate-interval 10s] [--step 2] [--rows ROW,ROW]
"""
import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BACKGROUND = "#111217"
PANEL = "#181b1f"
TEXT = "#ccccdc"
DIM = "#8e8e9e"
PALETTE = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a",
           "#96d98d", "#ffb357"]


def query_range(prometheus, expr, start, end, step):
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{prometheus}/api/v1/query_range?{params}", timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"Prometheus refused {expr!r}: {body}")
    return body["data"]["result"]


def legend(fmt, metric, expr):
    if fmt:
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt)
    labels = {k: v for k, v in metric.items() if k not in ("__name__", "instance", "job")}
    name = metric.get("__name__", expr if len(expr) < 40 else expr[:37] + "...")
    return name + ("{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}" if labels else "")


def expand(expr, rate_interval):
    return expr.replace("$__rate_interval", rate_interval).replace('=~"$cache"', '=~".*"')


def selected(dashboard, rows):
    """The panels under the chosen row titles (all when none are chosen), with y shifted up to close gaps."""
    panels = sorted(dashboard["panels"], key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    if not rows:
        return panels
    keep, current, shift, last_bottom, out = False, None, 0, 0, []
    for p in panels:
        if p["type"] == "row":
            current = p["title"]
            keep = any(current.startswith(r) for r in rows)
            if keep:
                shift = p["gridPos"]["y"] - last_bottom
        if keep:
            q = dict(p)
            q["gridPos"] = dict(p["gridPos"], y=p["gridPos"]["y"] - shift)
            last_bottom = max(last_bottom, q["gridPos"]["y"] + q["gridPos"]["h"])
            out.append(q)
    return out


def draw(args):
    dashboard = json.load(open(args.dashboard))
    panels = selected(dashboard, [r for r in args.rows.split(",") if r] if args.rows else [])
    height_units = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    unit_inches = 0.42
    fig = plt.figure(figsize=(24 * 0.8, height_units * unit_inches + 0.9), facecolor=BACKGROUND)
    total = height_units + 0.9 / unit_inches
    fig.text(0.01, 1 - 0.35 / (total * unit_inches), dashboard.get("title", "dashboard"), color=TEXT,
             fontsize=16, weight="bold", va="center")
    fig.text(0.99, 1 - 0.35 / (total * unit_inches),
             f"{args.caption}  ·  window {int(args.end - args.start)} s, step {args.step} s, "
             f"$__rate_interval={args.rate_interval}", color=DIM, fontsize=9, va="center", ha="right")
    empty = 0
    for p in panels:
        g = p["gridPos"]
        top = (0.9 / unit_inches + g["y"]) / total
        if p["type"] == "row":
            fig.text(0.005, 1 - top - 0.5 / total, p["title"], color=TEXT, fontsize=12, weight="bold", va="center")
            continue
        # Room on the left for the value axis and below for the time axis, as Grafana's panels have.
        left, pad_x, pad_y = (0.028, 0.004, 0.3 / total) if p["type"] != "stat" else (0.004, 0.004, 0.3 / total)
        box = [g["x"] / 24 + left, 1 - top - g["h"] / total + pad_y + 0.25 / total, g["w"] / 24 - left - pad_x,
               g["h"] / total - 2 * pad_y - 0.25 / total]
        ax = fig.add_axes(box, facecolor=PANEL)
        ax.set_title(p.get("title", ""), color=TEXT, fontsize=10, loc="left", pad=4)
        for side in ax.spines.values():
            side.set_color("#2c3235")
        ax.tick_params(colors=DIM, labelsize=7)
        series = []
        for target in p.get("targets", []):
            expr = expand(target["expr"], args.rate_interval)
            for result in query_range(args.prometheus, expr, args.start, args.end, args.step):
                xs = [float(t) - args.start for t, _ in result["values"]]
                ys = [float(v) for _, v in result["values"]]
                series.append((legend(target.get("legendFormat"), result["metric"], target["expr"]), xs, ys))
        if not series:
            empty += 1
            ax.text(0.5, 0.5, "No data", color=DIM, ha="center", va="center", transform=ax.transAxes, fontsize=11)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        if p["type"] == "stat":
            ax.set_xticks([])
            ax.set_yticks([])
            for i, (name, xs, ys) in enumerate(series[:4]):
                last = ys[-1]
                unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
                text = f"{last * 100:.1f} %" if unit == "percentunit" else f"{last:.3g}"
                ax.text(0.5, 0.72 - i * 0.3, text, color=PALETTE[i % len(PALETTE)], ha="center", va="center",
                        fontsize=22 if len(series) == 1 else 16, weight="bold", transform=ax.transAxes)
                ax.text(0.5, 0.56 - i * 0.3, name, color=DIM, ha="center", va="center", fontsize=7,
                        transform=ax.transAxes)
            continue
        for i, (name, xs, ys) in enumerate(series):
            ax.plot(xs, ys, color=PALETTE[i % len(PALETTE)], linewidth=1.2, label=name)
        ax.set_xlim(0, args.end - args.start)
        ax.grid(color="#2c3235", linewidth=0.5)
        ax.set_xlabel("seconds", color=DIM, fontsize=7, labelpad=1)
        handles = len(series)
        ax.legend(loc="upper left", fontsize=6, ncol=1 if handles <= 4 else 2, frameon=False, labelcolor=TEXT,
                  handlelength=1.2)
    fig.savefig(args.out, dpi=args.dpi, facecolor=BACKGROUND)
    drawn = sum(1 for p in panels if p["type"] != "row")
    print(f"dashboard picture: {args.out} ({drawn} panels, {drawn - empty} with data)")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--dashboard", required=True)
    parser.add_argument("--start", type=float, required=True)
    parser.add_argument("--end", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rate-interval", default="10s")
    parser.add_argument("--step", type=float, default=2)
    parser.add_argument("--rows", default="")
    parser.add_argument("--caption", default="")
    parser.add_argument("--dpi", type=int, default=100)
    return draw(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
