import Foundation

/// The caption page: one self-contained HTML document (no external script, style or font, so it
/// works offline and in OBS's browser source). The current captions are embedded as JSON and
/// drawn before the event stream opens, so a page loaded (or a screenshot taken) mid-session shows
/// them at once; then /events updates it: the partial line is rewritten in place, finals roll up.
///
/// Query string (all optional): `size` font size in px (12…200, default 48), `position`
/// top|middle|bottom (default bottom), `lines` visible lines (1…8, default 2), `align`
/// left|center (default center), `color` text colour as hex RRGGBB (default ffffff), `box` 0 to
/// drop the dark box behind the text (an outline keeps it readable), `trace` 1 to log each drawn
/// caption to the console (the end-to-end test reads it).
///
/// What the page shows is in the DOM for tests and tools: `#captions` has `data-final-seq` (the
/// sequence number of the newest final shown) and `data-connected`; each `.line` has `data-seq`
/// and a `.final` or `.partial` class, its text in `.text`, the speaker label in `.speaker`.
public enum OverlayPage {
    public static func html(state: OverlayMessage) -> String {
        template.replacingOccurrences(of: "__STATE__", with: state.json())
    }

    static let template = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>captiond captions</title>
<style>
  html, body { margin: 0; padding: 0; background: transparent; overflow: hidden; height: 100%; }
  body { font-family: "DejaVu Sans", "Noto Sans", "Liberation Sans", Arial, sans-serif; }
  #frame { position: fixed; left: 0; right: 0; display: flex; justify-content: center; padding: 0 4vw; }
  #frame.bottom { bottom: 5vh; } #frame.top { top: 5vh; } #frame.middle { top: 50%; transform: translateY(-50%); }
  #captions { display: flex; flex-direction: column; justify-content: flex-end; overflow: hidden;
              line-height: 1.25; max-width: 92vw; color: #fff; font-weight: 600; }
  #captions.box { background: rgba(0, 0, 0, 0.72); padding: 0 0.45em; border-radius: 0.15em; }
  #captions.outline { text-shadow: -2px -2px 0 #000, 2px -2px 0 #000, -2px 2px 0 #000, 2px 2px 0 #000, 0 0 6px #000; }
  #captions.empty { visibility: hidden; }
  .line { white-space: pre-wrap; overflow-wrap: anywhere; }
  .line.partial .text { opacity: 0.8; }
  .speaker { opacity: 0.75; margin-right: 0.4em; font-weight: 400; }
</style>
</head>
<body>
<div id="frame" class="bottom"><div id="captions" class="box empty" data-final-seq="-1" data-connected="false"></div></div>
<script id="initial-state" type="application/json">__STATE__</script>
<script>
(function () {
  "use strict";
  var q = new URLSearchParams(location.search);
  function intParam(name, lo, hi, dflt) {
    var v = parseInt(q.get(name) || "", 10);
    return isNaN(v) ? dflt : Math.min(hi, Math.max(lo, v));
  }
  var size = intParam("size", 12, 200, 48);
  var lines = intParam("lines", 1, 8, 2);
  var position = ({ top: "top", middle: "middle", bottom: "bottom" })[q.get("position")] || "bottom";
  var trace = q.get("trace") === "1";
  var frame = document.getElementById("frame");
  var box = document.getElementById("captions");
  frame.className = position;
  box.style.fontSize = size + "px";
  box.style.maxHeight = (lines * 1.25) + "em";
  box.style.textAlign = q.get("align") === "left" ? "left" : "center";
  if (/^[0-9a-fA-F]{6}$/.test(q.get("color") || "")) box.style.color = "#" + q.get("color");
  var boxed = q.get("box") !== "0";

  var finals = [];     // newest last; only the last `lines` are kept
  var partial = null;

  function lineElement(caption, kind) {
    var div = document.createElement("div");
    div.className = "line " + kind;
    div.setAttribute("data-seq", String(caption.seq));
    if (caption.speaker) {
      var s = document.createElement("span");
      s.className = "speaker";
      s.textContent = "[" + caption.speaker + "]";
      div.appendChild(s);
    }
    var t = document.createElement("span");
    t.className = "text";
    t.textContent = caption.text;
    div.appendChild(t);
    return div;
  }

  function draw(reason) {
    var shown = finals.slice(-lines);
    var nodes = shown.map(function (c) { return lineElement(c, "final"); });
    if (partial && partial.text.trim() !== "") nodes.push(lineElement(partial, "partial"));
    box.replaceChildren.apply(box, nodes);
    box.className = (boxed ? "box" : "outline") + (nodes.length ? "" : " empty");
    var last = shown.length ? shown[shown.length - 1] : null;
    box.setAttribute("data-final-seq", last ? String(last.seq) : "-1");
    if (trace && reason) {
      var finalsShown = box.querySelectorAll(".line.final .text");
      var lastText = finalsShown.length ? finalsShown[finalsShown.length - 1].textContent : "";
      console.log("captiond-overlay " + JSON.stringify({ event: reason, seq: last ? last.seq : -1, text: lastText, t: Date.now() }));
    }
  }

  function apply(m) {
    if (m.type === "state") {
      finals = (m.finals || []).slice(-lines);
      partial = m.partial || null;
      box.setAttribute("data-connected", m.connected ? "true" : "false");
      draw("state");
    } else if (m.type === "final" && m.caption) {
      partial = null;
      if (m.caption.text.trim() !== "") { finals.push(m.caption); finals = finals.slice(-lines); }
      draw("final");
    } else if (m.type === "partial" && m.caption) {
      partial = m.caption;
      draw(null);
    } else if (m.type === "bridge") {
      box.setAttribute("data-connected", m.connected ? "true" : "false");
    }
  }

  try { apply(JSON.parse(document.getElementById("initial-state").textContent)); } catch (e) { draw(null); }
  if (window.EventSource) {
    // EventSource reconnects by itself (the server asks for 1 s) when the overlay restarts.
    var source = new EventSource("events");
    source.onmessage = function (e) {
      try { apply(JSON.parse(e.data)); } catch (err) { if (trace) console.log("captiond-overlay bad event " + err); }
    };
    source.onerror = function () { box.setAttribute("data-connected", "false"); };
  }
})();
</script>
</body>
</html>
"""#
}
