/* Draws a grid node's boundary and its children's regions with the vendored ECharts.
   Data comes from the json_script #node-map-data written by registry/node.html. */
(function () {
  "use strict";
  var holder = document.getElementById("node-map");
  var source = document.getElementById("node-map-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  echarts.registerMap(data.key, data.geojson);
  var links = {};
  var regions = data.regions.map(function (r) {
    links[r.name] = r.url;
    return { name: r.name, value: r.households };
  });
  if (data.outline) {
    regions.push({
      name: data.outline, value: null, silent: true,
      itemStyle: { areaColor: "rgba(0,0,0,0)", borderColor: "#b3261e", borderWidth: 3 },
      label: { show: data.regions.length === 0 }
    });
  }
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "item", formatter: function (p) {
      return p.value == null || isNaN(p.value) ? p.name : p.name + ": " + p.value;
    } },
    series: [{
      type: "map", map: data.key, roam: true, selectedMode: false,
      label: { show: true, fontSize: 14 },
      itemStyle: { areaColor: "#fde7e5", borderColor: "#8c1d17", borderWidth: 1 },
      emphasis: { itemStyle: { areaColor: "#f6b7b1" } },
      data: regions
    }]
  });
  chart.on("click", function (p) { if (links[p.name]) { window.location.href = links[p.name]; } });
  window.addEventListener("resize", function () { chart.resize(); });
})();
