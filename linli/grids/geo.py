"""Grid boundaries as map data for the shared region map (core/static/core/regionmap.js)."""

from __future__ import annotations

from collections.abc import Iterable


def boundary_features(boundary, name: str) -> list[dict]:
    """GeoJSON features from a stored boundary (a geometry, a Feature or a collection),
    each named so ECharts can label and link its region."""
    if not isinstance(boundary, dict):
        return []
    kind = boundary.get("type")
    if kind == "FeatureCollection":
        geometries = [f.get("geometry") for f in boundary.get("features") or []]
    elif kind == "Feature":
        geometries = [boundary.get("geometry")]
    elif kind in {"Polygon", "MultiPolygon"}:
        geometries = [boundary]
    else:
        return []
    return [
        {"type": "Feature", "properties": {"name": name}, "geometry": g}
        for g in geometries
        if isinstance(g, dict) and g.get("type") in {"Polygon", "MultiPolygon"}
    ]


def region_map(
    key: str, regions: Iterable[tuple], outline=None, *, shaded: bool = False
) -> dict | None:
    """What the region map draws, or None when no node has a boundary.

    ``regions`` are ``(node, value, url)``: each node with a boundary becomes a region
    showing its value and linking to the url. ``outline`` is a node drawn as a border
    around them. ``shaded`` colours regions by value (darker = more).
    """
    features = boundary_features(outline.boundary, outline.name) if outline else []
    has_outline = bool(features)
    drawn = []
    for node, value, url in regions:
        own = boundary_features(node.boundary, node.name)
        if own:
            features.extend(own)
            drawn.append({"name": node.name, "value": value, "url": url})
    if not features:
        return None
    return {
        "key": key,
        "outline": outline.name if has_outline else "",
        "geojson": {"type": "FeatureCollection", "features": features},
        "regions": drawn,
        "shaded": shaded,
    }
