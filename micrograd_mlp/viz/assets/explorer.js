/* The backward-pass explorer: replays the steps that micrograd_mlp.viz.explorer computed in
   Python (window.EXPLORER_DATA) on the Graphviz SVG of the graph. No number is computed here:
   every value and every text shown comes from the data. Plain JavaScript, no network. */
(function () {
  "use strict";

  var D = window.EXPLORER_DATA;
  var nodes = D.nodes;
  var steps = D.steps;
  var N = steps.length;
  var svg = document.getElementById("graph");
  var $ = function (id) { return document.getElementById(id); };
  var ui = D.ui;
  // A catalogue template with its {fields} filled in.
  var fill = function (template, fields) {
    return template.replace(/\{(\w+)\}/g, function (m, key) {
      return fields[key] !== undefined ? String(fields[key]) : m;
    });
  };

  // ------------------------------------------------------------------ SVG elements
  var nodeEls = [], opEls = [], outEdges = [], fields = [], edges = {}, copyEls = [];
  nodes.forEach(function (node, i) {
    var g = $("n" + i);
    nodeEls.push(g);
    outEdges.push($("e" + i + "o")); // op -> node (null for a leaf)
    fields.push(g.querySelectorAll("text")); // record fields: name, data, grad
    opEls.push(node.children.length ? $("n" + i + "op") : null);
    node.children.forEach(function (child, k) {
      var id = "e" + i + "_" + k;
      var e = $(id);
      edges[id] = { g: e, text: e.querySelector("text"), parent: i, local: node.locals[k] };
    });
    // Copies of the node drawn beside far uses (dashed boxes), with a tooltip saying so.
    copyEls.push(node.copies.map(function (id) {
      var c = $(id), tip = document.createElementNS("http://www.w3.org/2000/svg", "title");
      tip.textContent = fill(ui.copy_title, { name: node.name });
      c.insertBefore(tip, c.firstChild);
      c.querySelector("text").textContent = node.name;
      return c;
    }));
  });
  // Names come from the data, as text: shown as typed, whatever they hold.
  nodes.forEach(function (node, i) { fields[i][0].textContent = node.name; });
  if (copyEls.some(function (c) { return c.length; })) $("legend-copy").hidden = false;

  // ------------------------------------------------------------------ the state at a step
  // Everything shown at step `index`, replayed from the start (cheap: a few hundred steps).
  function stateAt(index) {
    var st = {
      evaluated: {}, grads: {}, gradText: {}, partial: {}, updated: {}, labels: {},
      active: {}, operands: {}, backward: false
    };
    for (var s = 0; s <= index; s++) {
      var step = steps[s];
      if (step.phase === "forward") {
        st.evaluated[step.node] = true;
      } else {
        st.backward = true;
        if (step.seed) {
          st.grads[step.node] = 1;
          st.gradText[step.node] = "1";
        }
        (step.updates || []).forEach(function (u) {
          st.labels[u.edge] = u.label;
          if (u.constant) return; // a constant keeps no gradient
          st.grads[u.child] = u.after;
          st.gradText[u.child] = u.afterText;
          st.partial[u.child] = u.k < u.n ? u.k + "/" + u.n : null;
        });
        if (step.phase === "update") st.updated[step.node] = step.afterText;
      }
    }
    var cur = steps[index];
    if (cur.phase === "forward") {
      nodes[cur.node].children.forEach(function (c) { st.operands[c] = true; });
    }
    (cur.updates || []).forEach(function (u) {
      st.active[u.edge] = true;
      st.operands[u.child] = true;
    });
    if (st.backward) nodes.forEach(function (_, i) { st.evaluated[i] = true; });
    return st;
  }

  // DOM writes only where something changes: a big graph then re-renders quickly.
  function setClass(el, name, on) {
    if (el && el.classList.contains(name) !== !!on) el.classList.toggle(name, !!on);
  }

  function setText(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  // ------------------------------------------------------------------ drawing one step
  var current = 0, shown = null;

  function render(index) {
    var st = stateAt(index);
    var cur = steps[index];
    shown = st;
    nodes.forEach(function (node, i) {
      var g = nodeEls[i], f = fields[i];
      var evaluated = !!st.evaluated[i];
      setClass(g, "unevaluated", !evaluated);
      setClass(opEls[i], "unevaluated", !evaluated);
      setClass(g, "current", cur.node === i);
      setClass(opEls[i], "current", cur.node === i && cur.phase !== "update");
      setClass(g, "operand", !!st.operands[i]);
      copyEls[i].forEach(function (c) {
        setClass(c, "unevaluated", !evaluated);
        setClass(c, "operand", !!st.operands[i]);
      });
      var data = evaluated ? "data " + node.dataText : "data ?";
      if (st.updated[i] !== undefined) data += " \u2192 " + st.updated[i];
      setText(f[1], data);
      setClass(f[1], "changed", st.updated[i] !== undefined);
      var grad;
      if (st.gradText[i] === undefined) {
        grad = st.backward && node.grad === null ? "grad none (constant)" : "grad ?";
      } else {
        grad = "grad " + st.gradText[i] + (st.partial[i] ? " (" + st.partial[i] + ")" : "");
      }
      setText(f[2], grad);
      setClass(f[2], "partial", !!st.partial[i]);
      setClass(f[2], "known", st.gradText[i] !== undefined && !st.partial[i]);
      var oe = outEdges[i];
      if (oe) {
        setClass(oe, "unevaluated", !evaluated);
        setClass(oe, "active", cur.node === i && cur.phase === "backward" && !cur.seed);
      }
    });
    Object.keys(edges).forEach(function (id) {
      var e = edges[id];
      var evaluated = !!st.evaluated[e.parent];
      var label = st.labels[id];
      var text = label !== undefined ? label : (evaluated ? fill(ui.edge_local, { local: e.local }) : "");
      setText(e.text, text);
      setClass(e.g, "unevaluated", !evaluated);
      setClass(e.g, "active", !!st.active[id]);
      setClass(e.g, "done", label !== undefined && !st.active[id]);
      setClass(e.g, "waiting", st.backward && label === undefined);
    });

    var phase = $("phase");
    phase.textContent = ui[cur.phase];
    phase.className = "badge " + cur.phase;
    var inPhase = steps.filter(function (s) { return s.phase === cur.phase; });
    $("stepname").textContent = fill(ui.phase_step, {
      k: inPhase.indexOf(cur) + 1, n: inPhase.length, name: nodes[cur.node].name
    });
    var list = $("lines");
    list.textContent = "";
    cur.lines.forEach(function (line, k) {
      var li = document.createElement("li");
      li.textContent = line;
      if (k > 0 && /^d .+ [+]?= /.test(line)) li.className = "rule";
      list.appendChild(li);
    });
    $("counter").textContent = fill(ui.counter, { k: index + 1, n: N });
    $("slider").value = String(index);
    if ($("follow").checked) show(cur.node, false);
  }

  function go(index) {
    var i = Math.max(0, Math.min(N - 1, Math.floor(Number(index)) || 0));
    current = i;
    render(i);
    return i;
  }

  // ------------------------------------------------------------------ the node panel
  var selected = null;

  function showPanel(i) {
    if (selected !== null) setClass(nodeEls[selected], "selected", false);
    selected = i;
    setClass(nodeEls[i], "selected", true);
    var node = nodes[i];
    $("pname").textContent = node.name;
    $("pkind").textContent = D.kinds[node.kind];
    $("pop").textContent = node.children.length
      ? node.op + "   (" + node.name + " = " + node.formula + ")"
      : ui.leaf;
    $("pdata").textContent = node.dataText;
    $("pgrad").textContent = node.gradText === null ? ui.no_grad : node.gradText;
    var chain = $("pchain");
    chain.textContent = "";
    node.chain.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      chain.appendChild(div);
    });
    $("panel").hidden = false;
  }

  $("close").addEventListener("click", function () {
    $("panel").hidden = true;
    if (selected !== null) setClass(nodeEls[selected], "selected", false);
    selected = null;
  });

  // ------------------------------------------------------------------ zoom and pan
  // The smallest scale (screen pixels per SVG unit) at which the 12-unit edge labels are still
  // readable (8.4 px): "fit" shows the whole graph only when it fits at this scale or larger;
  // a bigger graph is shown at this scale, panned to the current node and the output.
  var READABLE = 0.7;
  var base = svg.viewBox.baseVal;
  var full = { x: base.x, y: base.y, w: base.width, h: base.height };
  var vb = { x: full.x, y: full.y, w: full.w, h: full.h };

  function applyView() {
    svg.setAttribute("viewBox", [vb.x, vb.y, vb.w, vb.h].join(" "));
  }

  function screen() {
    var r = svg.getBoundingClientRect();
    return { w: Math.max(r.width, 1), h: Math.max(r.height, 1) };
  }

  function fit() {
    var s = screen(), scale = Math.min(s.w / full.w, s.h / full.h);
    if (scale >= READABLE) {
      vb = { x: full.x, y: full.y, w: full.w, h: full.h };
    } else {
      vb = { x: full.x, y: full.y, w: s.w / READABLE, h: s.h / READABLE };
      show(steps[current].node, true);
    }
    applyView();
  }

  // Zoom by `factor` (> 1 zooms in) about the point (px, py) in SVG coordinates.
  function zoom(factor, px, py) {
    var w = vb.w / factor, h = vb.h / factor;
    var min = 40, max = Math.max(full.w, full.h) * 4;
    if (w < min || w > max) return;
    if (px === undefined) { px = vb.x + vb.w / 2; py = vb.y + vb.h / 2; }
    vb = { x: px - (px - vb.x) / factor, y: py - (py - vb.y) / factor, w: w, h: h };
    applyView();
  }

  function toSvg(clientX, clientY) {
    var m = svg.getScreenCTM().inverse();
    var p = svg.createSVGPoint();
    p.x = clientX; p.y = clientY;
    p = p.matrixTransform(m);
    return { x: p.x, y: p.y };
  }

  // Each node's box in viewBox coordinates (the layout never changes: computed once, so
  // following the current node needs no layout of the page).
  var boxes = {};
  var graph0 = svg.querySelector("g.graph");
  var toView = graph0 && graph0.transform.baseVal.consolidate();

  function nodeBox(g) {
    if (!boxes[g.id]) {
      var b = g.getBBox(), m = toView ? toView.matrix : svg.createSVGMatrix();
      var p = svg.createSVGPoint(), q = svg.createSVGPoint();
      p.x = b.x; p.y = b.y; q.x = b.x + b.width; q.y = b.y + b.height;
      p = p.matrixTransform(m); q = q.matrixTransform(m);
      boxes[g.id] = { x0: Math.min(p.x, q.x), y0: Math.min(p.y, q.y),
                      x1: Math.max(p.x, q.x), y1: Math.max(p.y, q.y) };
    }
    return boxes[g.id];
  }

  function inView(b) {
    return b.x0 >= vb.x && b.x1 <= vb.x + vb.w && b.y0 >= vb.y && b.y1 <= vb.y + vb.h;
  }

  function union(list) {
    return list.reduce(function (u, b) {
      return { x0: Math.min(u.x0, b.x0), y0: Math.min(u.y0, b.y0),
               x1: Math.max(u.x1, b.x1), y1: Math.max(u.y1, b.y1) };
    });
  }

  // What a step is about: node i, its op and the boxes its operands' edges start from (a copy
  // beside the op for a far operand).
  function stepBox(i) {
    var list = [nodeBox(nodeEls[i])];
    if (opEls[i]) list.push(nodeBox(opEls[i]));
    nodes[i].children.forEach(function (c, k) {
      list.push(nodeBox($("n" + c + "c" + i + "_" + k) || nodeEls[c]));
    });
    return union(list);
  }

  // Pan (keeping the zoom) so that node i, its op and its operands are in view, with as much
  // of the way to the output as fits (the output itself when it fits too): the output, where
  // the forward pass ends and the backward pass starts, stays in sight when it can. Unless
  // `always`, nothing moves while they are in view already.
  function show(i, always) {
    var b = stepBox(i), n = nodeBox(nodeEls[i]), o = nodeBox(nodeEls[nodes.length - 1]);
    if (!always && inView(b)) return;
    var margin = 12;
    // One axis: where the view starts, for the step's span [lo, hi], the node's [nlo, nhi]
    // and the output's [olo, ohi].
    function axis(lo, hi, nlo, nhi, olo, ohi, size) {
      lo -= margin; hi += margin;
      if (hi - lo > size) return (nlo + nhi) / 2 - size / 2; // too big: the node, centred
      var a = Math.min(lo, olo - margin), z = Math.max(hi, ohi + margin);
      var wanted = z - a <= size ? (a + z) / 2 - size / 2 : (ohi > hi ? lo : hi - size);
      return Math.min(Math.max(wanted, hi - size), lo); // never losing the step's boxes
    }
    vb.x = axis(b.x0, b.x1, n.x0, n.x1, o.x0, o.x1, vb.w);
    vb.y = axis(b.y0, b.y1, n.y0, n.y1, o.y0, o.y1, vb.h);
    applyView();
  }

  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = toSvg(ev.clientX, ev.clientY);
    zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });

  var drag = null, moved = false;
  svg.addEventListener("pointerdown", function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, vb: { x: vb.x, y: vb.y, w: vb.w, h: vb.h } };
    moved = false;
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    moved = true;
    $("view").classList.add("dragging");
    var scale = vb.w / svg.getBoundingClientRect().width;
    // preserveAspectRatio "meet": one scale for both axes, the larger one.
    scale = Math.max(scale, vb.h / svg.getBoundingClientRect().height);
    vb.x = drag.vb.x - dx * scale;
    vb.y = drag.vb.y - dy * scale;
    applyView();
  });
  window.addEventListener("pointerup", function () {
    drag = null;
    $("view").classList.remove("dragging");
  });

  nodes.forEach(function (_, i) {
    [nodeEls[i], opEls[i]].concat(copyEls[i]).forEach(function (el) {
      if (!el) return;
      el.addEventListener("click", function () {
        if (!moved) showPanel(i);
      });
    });
  });

  $("zoomin").addEventListener("click", function () { zoom(1.3); });
  $("zoomout").addEventListener("click", function () { zoom(1 / 1.3); });
  $("fit").addEventListener("click", fit);

  // ------------------------------------------------------------------ stepping and play
  var timer = null;

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    $("play").textContent = "\u25B6 " + ui.play;
  }

  function play() {
    if (timer !== null) { stop(); return; }
    if (current === N - 1) go(0);
    $("play").textContent = "\u275A\u275A " + ui.pause;
    timer = setInterval(function () {
      if (current >= N - 1) { stop(); return; }
      go(current + 1);
    }, Number($("speed").value));
  }

  $("first").addEventListener("click", function () { stop(); go(0); });
  $("prev").addEventListener("click", function () { stop(); go(current - 1); });
  $("next").addEventListener("click", function () { stop(); go(current + 1); });
  $("last").addEventListener("click", function () { stop(); go(N - 1); });
  $("play").addEventListener("click", play);
  $("speed").addEventListener("change", function () {
    if (timer !== null) { stop(); play(); }
  });
  var slider = $("slider");
  slider.max = String(N - 1);
  slider.addEventListener("input", function () { stop(); go(slider.value); });

  document.addEventListener("keydown", function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === "SELECT" || (tag === "INPUT" && ev.target.type === "range")) return;
    // Space and Enter on a focused button press that button (the browser does it).
    if ((tag === "BUTTON" || tag === "INPUT") && (ev.key === " " || ev.key === "Enter")) return;
    var keys = {
      ArrowRight: function () { stop(); go(current + 1); },
      ArrowLeft: function () { stop(); go(current - 1); },
      Home: function () { stop(); go(0); },
      End: function () { stop(); go(N - 1); },
      " ": play,
      "+": function () { zoom(1.3); },
      "-": function () { zoom(1 / 1.3); },
      "0": fit
    };
    var action = keys[ev.key];
    if (action) {
      ev.preventDefault();
      action();
    }
  });

  // ------------------------------------------------------------------ the testing contract
  function current_() {
    var st = shown, cur = steps[current], grads = {}, data = {};
    nodes.forEach(function (node, i) {
      if (st.grads[i] !== undefined) grads[node.name] = st.grads[i];
      if (st.evaluated[i]) data[node.name] = node.data;
    });
    steps.slice(0, current + 1).forEach(function (s) {
      if (s.phase === "update") data[nodes[s.node].name] = s.after;
    });
    return { index: current, phase: cur.phase, node: nodes[cur.node].name, grads: grads, data: data };
  }

  window.explorer = { steps: N, go: go, current: current_, fit: fit };

  // The first view: the whole graph if it fits readably, else readable, on the first step's
  // node and the output.
  go(0);
  fit();
})();
