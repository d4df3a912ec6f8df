/* Click an event (a table row with data-event, or an event triangle on the timeline) to mark
   its window on the timeline as rectangle shapes named "timing-highlight-*", zoomed to it.
   Works on the timeline's div and its layout shapes only, whatever traces it draws. Text is
   set with textContent, never parsed as HTML. */
(function () {
  var section = document.getElementById("timeline");
  var plot = section && section.querySelector("div.plot");
  var bar = document.getElementById("timeline-highlight");
  var text = document.getElementById("timeline-highlight-text");
  var clear = document.getElementById("timeline-clear");
  var rows = document.querySelectorAll("tr[data-event]");
  var NAME = "timing-highlight";
  if (!plot || !bar || !rows.length || typeof Plotly === "undefined" || !plot.layout) { return; }

  function kept() {
    return (plot.layout.shapes || []).filter(function (s) {
      return !(s.name && String(s.name).indexOf(NAME) === 0);
    });
  }
  function rect(name, x0, x1, colour, opacity) {
    return {type: "rect", name: NAME + "-" + name, xref: "x", yref: "paper", x0: x0, x1: x1,
            y0: 0, y1: 1, layer: "below", fillcolor: colour, opacity: opacity,
            line: {width: 2, color: "#d35400"}};
  }
  function select(row) {
    for (var i = 0; i < rows.length; i++) { rows[i].classList.remove("selected"); }
    if (row) {
      var same = document.querySelectorAll("tr[data-event]");
      for (var j = 0; j < same.length; j++) {
        if (same[j].getAttribute("data-event") === row.getAttribute("data-event")) {
          same[j].classList.add("selected");
        }
      }
    }
  }
  function show(row, scroll) {
    var shapes = kept();
    var x0 = row.getAttribute("data-x0"), x1 = row.getAttribute("data-x1");
    if (x0 && x1) { shapes.push(rect("window", x0, x1, "#f39c12", 0.35)); }
    shapes.push(rect("event", row.getAttribute("data-e0"), row.getAttribute("data-e1"),
                     "#d35400", 0.5));
    var update = {shapes: shapes};
    update["xaxis.range"] = [row.getAttribute("data-r0"), row.getAttribute("data-r1")];
    Plotly.relayout(plot, update);
    select(row);
    text.textContent = "Highlighted: " + row.getAttribute("data-label") + ".";
    bar.hidden = false;
    if (scroll && section.scrollIntoView) { section.scrollIntoView({block: "start"}); }
  }
  function reset() {
    Plotly.relayout(plot, {shapes: kept(), "xaxis.autorange": true});
    select(null);
    text.textContent = "";
    bar.hidden = true;
  }
  for (var i = 0; i < rows.length; i++) {
    rows[i].addEventListener("click", function (ev) {
      if (ev.target.closest && ev.target.closest("a")) { return; }  // a source link: follow it
      show(ev.currentTarget, true);
    });
    rows[i].addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(ev.currentTarget, true); }
    });
  }
  clear.addEventListener("click", reset);
  if (plot.on) {
    plot.on("plotly_click", function (ev) {
      var point = ev && ev.points && ev.points[0];
      if (!point || !point.data || point.data.name !== "events") { return; }
      var day = String(point.x).slice(0, 10);
      for (var k = 0; k < rows.length; k++) {
        if (String(rows[k].getAttribute("data-date")).slice(0, 10) === day) { show(rows[k], false); return; }
      }
    });
  }
})();
