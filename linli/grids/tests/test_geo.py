from types import SimpleNamespace

from linli.grids.geo import boundary_features, region_map

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def node(name, boundary=None):
    return SimpleNamespace(name=name, boundary=boundary)


def test_boundary_shapes_are_normalised_for_the_map():
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": SQUARE}
    collection = {"type": "FeatureCollection", "features": [feature, feature]}
    assert [f["properties"]["name"] for f in boundary_features(SQUARE, "甲")] == ["甲"]
    assert boundary_features(feature, "乙")[0]["geometry"] == SQUARE
    assert len(boundary_features(collection, "丙")) == 2
    assert boundary_features({"type": "Point", "coordinates": [1, 2]}, "丁") == []
    assert boundary_features("not json", "戊") == []
    assert boundary_features(None, "己") == []


def test_region_map_draws_only_nodes_with_a_boundary():
    regions = [(node("一网格", SQUARE), 3, "/a"), (node("二网格"), 5, "/b")]
    data = region_map("k", regions, outline=node("居民区", SQUARE), shaded=True)
    assert data["regions"] == [{"name": "一网格", "value": 3, "url": "/a"}]
    assert data["outline"] == "居民区"
    assert [f["properties"]["name"] for f in data["geojson"]["features"]] == ["居民区", "一网格"]
    assert data["shaded"] is True
    assert region_map("k", [(node("二网格"), 5, "/b")], outline=node("居民区")) is None
