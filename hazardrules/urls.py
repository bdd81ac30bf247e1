app_name = "hazardrules"

urlpatterns: list[object] = []
