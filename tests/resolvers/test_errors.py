"""The one error table, read both ways: code -> status and a library's HTTP status -> code."""

from resolvers.errors import CODE_BY_HTTP_STATUS, STATUS_BY_CODE, ErrorCode, code_for_http_status


def test_each_http_status_maps_to_a_code_with_that_status() -> None:
    assert {status: STATUS_BY_CODE[code] for status, code in CODE_BY_HTTP_STATUS.items()} == {
        s: s for s in CODE_BY_HTTP_STATUS
    }


def test_unknown_statuses_are_invalid_request() -> None:
    assert code_for_http_status(404) is ErrorCode.RESOURCE_NOT_FOUND
    assert code_for_http_status(405) is ErrorCode.METHOD_NOT_ALLOWED
    assert code_for_http_status(418) is ErrorCode.INVALID_REQUEST
    assert code_for_http_status(500) is ErrorCode.INVALID_REQUEST
