"""The client's resource table agrees with Xero's OpenAPI spec (vendor/xero-openapi): every filter the client may
send is one Xero's list call takes, page sizes only where Xero takes them, and by-id reads where it has a path."""

import pytest

from integrations.xero.client import resources
from tests.xero_contract import load_spec, spec_dir

PAGING = {"page", "pageSize", "If-Modified-Since"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_spec(spec_dir() / "xero_accounting.yaml")


def _query_parameters(spec: dict, path: str) -> set[str]:
    shared = spec["components"]["parameters"]
    names = set()
    for parameter in spec["paths"][path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = shared[parameter["$ref"].rsplit("/", 1)[-1]]
        names.add(parameter["name"])
    return names


@pytest.mark.parametrize("resource", resources.RESOURCES, ids=lambda resource: resource.path)
def test_each_resource_sends_only_the_filters_xeros_list_call_takes(spec, resource):
    assert resource.filters == _query_parameters(spec, f"/{resource.path}") - PAGING


@pytest.mark.parametrize("resource", resources.RESOURCES, ids=lambda resource: resource.path)
def test_a_page_size_is_sent_only_where_xero_takes_one(spec, resource):
    assert (resource.page_size is not None) == ("pageSize" in _query_parameters(spec, f"/{resource.path}"))


@pytest.mark.parametrize(
    "resource", [resource for resource in resources.RESOURCES if resource.paged], ids=lambda resource: resource.path
)
def test_records_are_asked_for_by_id_the_way_xero_allows(spec, resource):  # the catalogue is read whole, never by id
    if resource.id_list:
        assert resource.id_list in _query_parameters(spec, f"/{resource.path}")
    else:
        assert f"/{resource.path}/{{{resource.id_field}}}" in spec["paths"]


@pytest.mark.parametrize("resource", resources.RESOURCES, ids=lambda resource: resource.path)
def test_only_lists_xero_pages_are_read_page_by_page(spec, resource):
    assert resource.paged == ("page" in _query_parameters(spec, f"/{resource.path}"))
