"""Default position kinds (岗位) and their responsibility lists (责任清单)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


# (code, name, level the position sits at, default responsibility list). The lists are
# editable data; these are only the starting text a county adapts to its own documents.
DEFAULT_POSITION_KINDS: list[tuple[str, str, str, str]] = [
    ("first_responsible", "第一责任人", "", "对本辖区应急管理和消防安全工作负总责；定期研究部署、解决重大问题；组织落实“党政同责、一岗双责”。"),
    ("deputy_responsible", "分管责任人", "", "协助第一责任人抓好应急消防工作；组织隐患排查整治、预案演练和值班值守；督促各线条落实责任。"),
    ("station_chief", "应急消防管理站站长", "township", "主持管理站日常工作；组织监督检查和执法；统筹隐患闭环、预警叫应、应急处置和队伍建设；按时报送信息。"),
    ("station_staff", "应急消防管理站工作人员", "township", "开展单位场所检查、隐患登记派单与复核；维护台账；参与值班值守和突发事件先期处置。"),
    ("village_manager", "村(社区)应急消防管理员", "village", "组织本村(社区)隐患排查和宣传培训；接收并传达预警、落实叫应；组织转移避险和先期处置；维护村级台账和物资。"),
    ("grid_leader", "网格长", "grid", "统筹本网格巡查力量；督促网格员完成巡查任务；协调处置网格内发现的问题。"),
    ("grid_member", "网格员", "grid", "日常巡查网格内单位场所和出租房；发现隐患拍照定位上报；接收预警并叫应；掌握独居老人等弱势群体情况。"),
    ("info_reporter", "信息报告员", "village", "突发事件和险情第一时间报告；协助核实灾情、人员伤亡和受灾情况；按要求续报。"),
    ("enterprise_safety_officer", "企业安全员", "", "组织本单位自查自纠；落实隐患整改；管理消防设施和安全设备；接收预警并落实防范措施。"),
]
