// Zoom for the maps: they open at their natural size (readable), scroll in their frame, and
  // these buttons scale them; without this script they still scroll.
  for (const bar of document.querySelectorAll(".zoom")) {
    const frame = bar.nextElementSibling, map = frame.querySelector("svg.map");
    if (!map) continue;
    const natural = map.getBoundingClientRect().width;
    let scale = 1;
    const show = () => { map.style.width = (natural * scale) + "px"; map.style.height = "auto"; };
    bar.hidden = false;
    bar.addEventListener("click", (event) => {
      const how = event.target.dataset.zoom;
      if (how === "in") scale = Math.min(scale * 1.25, 4);
      if (how === "out") scale = Math.max(scale / 1.25, 0.1);
      if (how === "fit") scale = Math.min(1, (frame.clientWidth - 4) / natural);
      if (how === "one") scale = 1;
      show();
    });
  }
