app_name = "inspectionplans"

urlpatterns: list[object] = []
