/* Draws grid regions with the vendored ECharts: every .region-map element names, in
   data-source, the id of a json_script written by grids.geo.region_map. A region shows
   its value and opens its link when tapped; shaded maps colour regions by value. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  document.querySelectorAll(".region-map[data-source]").forEach(function (holder) {
    var source = document.getElementById(holder.dataset.source);
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    echarts.registerMap(data.key, data.geojson);
    var links = {};
    var most = 0;
    var regions = data.regions.map(function (r) {
      links[r.name] = r.url;
      if (r.value > most) { most = r.value; }
      return { name: r.name, value: r.value };
    });
    if (data.outline) {
      regions.push({
        name: data.outline, value: null, silent: true,
        itemStyle: { areaColor: "rgba(0,0,0,0)", borderColor: "#b3261e", borderWidth: 3 },
        label: { show: data.regions.length === 0 }
      });
    }
    var option = {
      tooltip: { trigger: "item", formatter: function (p) {
        return p.value == null || isNaN(p.value) ? p.name : p.name + ": " + p.value;
      } },
      series: [{
        type: "map", map: data.key, roam: true, selectedMode: false,
        label: { show: true, fontSize: 14, color: "#1f1f1f", textBorderColor: "#fff", textBorderWidth: 3,
          formatter: function (p) {
          return p.value == null || isNaN(p.value) ? p.name : p.name + "\n" + p.value;
        } },
        itemStyle: { areaColor: "#fde7e5", borderColor: "#8c1d17", borderWidth: 1 },
        emphasis: { itemStyle: { areaColor: "#f6b7b1" } },
        data: regions
      }]
    };
    if (data.shaded) {
      option.visualMap = {
        min: 0, max: Math.max(most, 1), calculable: false, orient: "horizontal",
        left: "center", bottom: 4, inRange: { color: ["#fdf1ef", "#b3261e"] }
      };
    }
    var chart = echarts.init(holder);
    chart.setOption(option);
    chart.on("click", function (p) { if (links[p.name]) { window.location.href = links[p.name]; } });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
