app_name = "publicreports"

urlpatterns: list[object] = []
