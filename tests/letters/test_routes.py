"""Act where the match is: the routes that apply to one match, with the text each would generate."""

from __future__ import annotations

import dataclasses

from core.letters.routes import routes_for, routes_for_matches
from tests.letters.test_letters import DATASETS, MATCHES, PROFILE, WHEN


def test_a_laion_match_on_another_host_gets_every_route_with_its_sample_id() -> None:
    match = dataclasses.replace(MATCHES[4], status="candidate", opted_out="no")  # laion2b-en, static.news.example
    routes = routes_for(match, PROFILE, DATASETS, WHEN, generated_names={"reservation-notice.txt"})
    assert [route.letter for route in routes] == [
        "laion-request", "spawning-do-not-train", "host-notice", "reservation-notice",
    ]  # fmt: skip
    laion, spawning, host, reservation = routes
    assert "SAMPLE_ID 4662071012" in laion.text and "4662071012" in laion.title
    assert spawning.title.endswith("(registry: opted out no)") and match.url in spawning.text
    assert host.stem == "host-notice-static.news.example" and match.url in host.text
    assert reservation.generated and not laion.generated


def test_the_artists_own_upload_gets_no_host_notice_and_a_coyo_match_no_laion_request() -> None:
    own = MATCHES[0]  # zoe-art.example: the artist's own site
    assert "host-notice" not in [route.letter for route in routes_for(own, PROFILE, DATASETS, WHEN)]
    coyo = MATCHES[2]
    letters = [route.letter for route in routes_for(coyo, PROFILE, DATASETS, WHEN)]
    assert "laion-request" not in letters and "host-notice" in letters and "openai-checklist" in letters


def test_an_own_upload_gets_advice_and_never_a_takedown_notice() -> None:
    upload = MATCHES[1]  # under the artist's own ArtStation page (a URL prefix of the profile)
    routes = {route.letter: route for route in routes_for(upload, PROFILE, DATASETS, WHEN)}
    assert "host-notice" not in routes and "own-uploads" in routes
    advice = routes["own-uploads"].text
    assert "does not fit here" in advice and "X-Robots-Tag: noai, noimageai" in advice and upload.url in advice


def test_a_coyo_match_gets_a_request_saying_where_coyo_takes_them(tmp_path: object) -> None:
    routes = {route.letter: route for route in routes_for(MATCHES[2], PROFILE, DATASETS, WHEN)}
    request = routes["dataset-request"].text
    assert "COYO" in request and "7425706646718" in request and "Kakao Brain publishes no removal form" in request


def test_several_matches_are_acted_on_at_once() -> None:
    """One LAION request listing every selected SAMPLE_ID, one Spawning list with every URL, one notice per host."""
    chosen = [dataclasses.replace(m, status="candidate") for m in (MATCHES[0], MATCHES[2], MATCHES[4])]
    routes = {route.letter: route for route in routes_for_matches(chosen, PROFILE, DATASETS, WHEN)}
    laion = routes["laion-request"]
    assert laion.title == "LAION removal request listing 2 SAMPLE_IDs"
    assert "4874146979" in laion.text and "4662071012" in laion.text
    spawning = routes["spawning-do-not-train"]
    assert spawning.title == "Spawning Do-Not-Train entries for 3 URLs"
    assert all(match.url and match.url.split("?")[0] in spawning.text for match in chosen)
    assert {route.title for route in routes.values() if route.letter == "host-notice"} >= {
        "Notice to the host static.news.example (1 copy)"
    }
    assert routes["reservation-notice"].title == "Art. 4(3) reservation notice (3 matches)"
    one = routes_for_matches(chosen[:1], PROFILE, DATASETS, WHEN)
    assert [route.title for route in one] == [route.title for route in routes_for(chosen[0], PROFILE, DATASETS, WHEN)]
