"""The import contracts hold for the database too: no CRM model points at a model of the integration."""

import pytest
from django.apps import apps

# The CRM apps of the "CRM apps never reach into the Xero integration" contract in pyproject.toml.
CRM_APPS = (
    "accounts",
    "contacts",
    "opportunities",
    "invoices",
    "notifications",
    "activity",
    "dashboard",
    "demo",
    "forecast",
    "imports",
    "web",
)


def _crm_relations():
    """(model, field name, related model) for every ForeignKey, OneToOneField and ManyToManyField a CRM model
    declares (dashboard and demo have none yet, and are checked all the same)."""
    for config in apps.get_app_configs():
        if config.name not in CRM_APPS:
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if field.is_relation and not field.auto_created and field.related_model is not None:
                    yield model, field.name, field.related_model


def test_every_crm_app_is_installed():
    installed = {config.name for config in apps.get_app_configs()}

    assert set(CRM_APPS) <= installed


def test_the_crm_models_have_relations_to_check():
    assert any(model._meta.label == "invoices.Invoice" for model, _, _ in _crm_relations())


@pytest.mark.parametrize(
    ("model", "field", "target"), list(_crm_relations()), ids=lambda value: getattr(value, "__name__", value)
)
def test_no_crm_model_points_at_the_integration(model, field, target):
    assert not target._meta.app_config.name.startswith("integrations"), (
        f"{model._meta.label}.{field} points at {target._meta.label}: the CRM must not depend on the integration; "
        "point the integration's model at the CRM's instead."
    )
