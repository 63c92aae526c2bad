from django.urls import path

from documents.views import documents, fhir

app_name = "documents"

urlpatterns = [
    path(
        "comptes-rendus/<int:report_id>/documents/",
        documents.document_request,
        name="document_request",
    ),
    path(
        "comptes-rendus/<int:report_id>/documents/panneau/",
        documents.document_panel,
        name="document_panel",
    ),
    path("comptes-rendus/<int:report_id>/pdf/", documents.report_pdf, name="report_pdf"),
    path("documents/<int:document_id>/", documents.document_status, name="document_status"),
    path(
        "documents/<int:document_id>/telecharger/",
        documents.document_download,
        name="document_download",
    ),
]

urlpatterns += [
    path(
        "comptes-rendus/<int:report_id>/fhir/",
        fhir.report_fhir_download,
        name="report_fhir_download",
    ),
    path(
        "api/fhir/comptes-rendus/<int:report_id>/",
        fhir.report_fhir_api,
        name="report_fhir_api",
    ),
]
