from ninja import NinjaAPI

api = NinjaAPI(title="Yingji API", version="1", urls_namespace="api")
