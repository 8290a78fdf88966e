/* Tradelane charts: a small dependency-free library that draws bar, horizontal bar and line
   charts as SVG from data attributes, so pages render their figures server-side, need no CDN
   and stay within the Content-Security-Policy (no inline script or style: colours are SVG
   attributes).

   <figure class="chart" data-chart="bar" data-labels='["2026-01","2026-02"]'
           data-series='[{"name":"Profit","values":["12.50","-3.00"]}]'
           data-links='["/orders/?date_from=2026-01-01", "/orders/?date_from=2026-02-01"]'></figure>

   A series may carry "texts", one per value, shown instead of the value beside a bar and in
   its tooltip (money formatted by the portal: "¥54,399.48").

   data-chart: "bar" (grouped columns), "hbar" (one row per label, for long names such as SKU
   codes) or "line". Values are decimal strings; negative bars go below the axis. data-links,
   optional, gives a URL per label: its bars or points link to the list behind them. Several
   series get a legend. The figure may hold a <figcaption> (drawn below the chart). */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLOURS = ["#2f6fde", "#e0822d", "#2e9e6a", "#b04bc4", "#c43c3c", "#6b7280", "#0e9aa7", "#a16207"];

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shown(s, i) { return s.texts ? s.texts[i] : s.values[i]; }

  function parse(figure, name) {
    try { return JSON.parse(figure.getAttribute("data-" + name) || "[]"); } catch (e) { return []; }
  }

  function tick(v, span) {
    if (span >= 10 || v === Math.round(v)) return Math.round(v).toLocaleString();
    return v.toFixed(span >= 1 ? 1 : 2);
  }

  // A mark (bar or point) with its tooltip, inside a link when the label has one.
  function mark(svg, node, tip, href) {
    node.appendChild(el("title", {}, tip));
    if (!href) { svg.appendChild(node); return; }
    var a = el("a", { href: href, "class": "chart-link" });
    a.setAttributeNS("http://www.w3.org/1999/xlink", "xlink:href", href);
    a.appendChild(node);
    svg.appendChild(a);
  }

  function range(series) {
    var values = [];
    series.forEach(function (s) { s.values.forEach(function (v) { values.push(parseFloat(v) || 0); }); });
    var max = Math.max.apply(null, values.concat([0])), min = Math.min.apply(null, values.concat([0]));
    if (max === min) max = min + 1;
    return { max: max, min: min };
  }

  function columns(svg, labels, series, links, kind) {
    var width = 520, height = 220, left = 52, bottom = 32, top = 12;
    var r = range(series), max = r.max, min = r.min;
    var y = function (v) { return top + (max - v) * (height - top - bottom) / (max - min); };
    var plot = width - left - 8, n = Math.max(labels.length, 1), step = plot / n;
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.appendChild(el("line", { x1: left, x2: width - 8, y1: y(0), y2: y(0), stroke: "#999" }));
    [max, (max + min) / 2, min].forEach(function (v) {
      svg.appendChild(el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11 }, tick(v, max - min)));
    });
    var every = Math.ceil(n / 14);  // at most 14 labels under the axis
    labels.forEach(function (label, i) {
      if (i % every) return;
      svg.appendChild(el("text", { x: left + step * (i + 0.5), y: height - 12, "text-anchor": "middle", "font-size": 11 },
        String(label).slice(0, 14)));
    });
    series.forEach(function (s, si) {
      var colour = COLOURS[si % COLOURS.length];
      if (kind === "line") {
        var points = s.values.map(function (v, i) { return (left + step * (i + 0.5)) + "," + y(parseFloat(v) || 0); });
        svg.appendChild(el("polyline", { points: points.join(" "), fill: "none", stroke: colour, "stroke-width": 2 }));
        s.values.forEach(function (v, i) {
          mark(svg, el("circle", { cx: left + step * (i + 0.5), cy: y(parseFloat(v) || 0), r: 3.5, fill: colour }),
            s.name + " " + labels[i] + ": " + shown(s, i), links[i]);
        });
      } else {
        var w = step * 0.8 / series.length;
        s.values.forEach(function (v, i) {
          var value = parseFloat(v) || 0, x = left + step * i + step * 0.1 + w * si;
          mark(svg, el("rect", { x: x, width: w, y: Math.min(y(value), y(0)), height: Math.max(Math.abs(y(value) - y(0)), value ? 1 : 0), fill: colour }),
            s.name + " " + labels[i] + ": " + shown(s, i), links[i]);
        });
      }
    });
  }

  function rows(svg, labels, series, links) {
    var rowHeight = 22, left = 120, right = 84, width = 480, top = 4;
    var height = top + Math.max(labels.length, 1) * rowHeight * Math.max(series.length, 1) + 4;
    var r = range(series), max = r.max;
    var x = function (v) { return left + Math.max(v, 0) * (width - left - right) / max; };
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    labels.forEach(function (label, i) {
      var y0 = top + i * rowHeight * series.length;
      svg.appendChild(el("text", { x: left - 6, y: y0 + rowHeight * series.length / 2 + 4, "text-anchor": "end", "font-size": 11 },
        String(label).slice(0, 18)));
      series.forEach(function (s, si) {
        var value = parseFloat(s.values[i]) || 0, y = y0 + si * rowHeight + 3;
        mark(svg, el("rect", { x: left, y: y, height: rowHeight - 6, width: Math.max(x(value) - left, value ? 1 : 0), fill: COLOURS[si % COLOURS.length] }),
          s.name + " " + label + ": " + shown(s, i), links[i]);
        svg.appendChild(el("text", { x: x(value) + 4, y: y + rowHeight / 2 + 1, "font-size": 11 }, String(shown(s, i))));
      });
    });
  }

  function legend(figure, series) {
    if (series.length < 2) return;
    var list = document.createElement("ul");
    list.className = "chart-legend";
    series.forEach(function (s, si) {
      var item = document.createElement("li");
      var swatch = el("svg", { width: 10, height: 10, viewBox: "0 0 10 10", "aria-hidden": "true" });
      swatch.appendChild(el("rect", { width: 10, height: 10, fill: COLOURS[si % COLOURS.length] }));
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + s.name));
      list.appendChild(item);
    });
    figure.insertBefore(list, figure.querySelector("figcaption"));
  }

  function draw(figure) {
    if (figure.querySelector("svg.chart-svg")) return;
    var labels = parse(figure, "labels"), series = parse(figure, "series"), links = parse(figure, "links");
    var kind = figure.getAttribute("data-chart") || "bar";
    var svg = el("svg", { role: "img", "class": "chart-svg", "aria-label": figure.getAttribute("data-title") || "" });
    if (kind === "hbar") rows(svg, labels, series, links);
    else columns(svg, labels, series, links, kind);
    figure.insertBefore(svg, figure.firstChild);
    legend(figure, series);
  }

  function drawAll() { document.querySelectorAll("figure.chart[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
