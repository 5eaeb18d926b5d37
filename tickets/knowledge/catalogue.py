"""The demo fault catalogue (the symptoms a service desk hears most for the demo's three
product categories), in English and Chinese. ``seed_demo_knowledge`` writes it through the
services; the suggestion tests measure against it. Each entry: code, category code,
title (en, zh), symptoms (en, zh), likely causes (en, zh), fix steps (en, zh; one a line).
"""

CATALOGUE = [
    (
        "aircon-not-cooling",
        "aircon",
        ("Air conditioner not cooling", "空调不制冷"),
        (
            "The unit runs but the air is not cold; the room does not cool down; weak cooling.",
            "开机运行但出风不凉，制冷效果差，室温降不下来，吹的是热风或自然风。",
        ),
        (
            "Wrong mode or set temperature; clogged filter; low refrigerant; outdoor unit "
            "cannot get rid of heat.",
            "模式或温度设置不对；滤网脏堵；缺氟（制冷剂不足）；外机散热不良。",
        ),
        (
            "Check the mode is Cool and the set temperature is below the room's.\n"
            "Clean the indoor filter under running water and let it dry.\n"
            "Clear anything blocking the outdoor unit.\n"
            "If still warm after 15 minutes, book a visit: refrigerant check.",
            "确认模式为制冷，设定温度低于室温。\n取下室内机滤网用清水冲洗晾干。\n"
            "清除外机周围遮挡物。\n15分钟后仍不凉，预约上门检测制冷剂。",
        ),
    ),
    (
        "aircon-not-heating",
        "aircon",
        ("Air conditioner not heating", "空调不制热"),
        (
            "In heat mode the air stays cold; no warm air in winter.",
            "制热模式下出冷风，冬天吹不出热风，制热慢。",
        ),
        (
            "Mode set to cool; defrost cycle in progress; very low outdoor temperature.",
            "模式设置错误；外机正在化霜；室外温度过低。",
        ),
        (
            "Set the mode to Heat (sun symbol).\nWait 5 to 10 minutes: the unit pre-heats and may "
            "defrost.\nIf the outdoor unit is covered in ice for more than 30 minutes, book a "
            "visit.",
            "将模式调为制热（太阳图标）。\n等待5到10分钟：空调会预热或化霜。\n外机结冰超过30分钟不化，预约上门。",
        ),
    ),
    (
        "aircon-indoor-leak",
        "aircon",
        ("Indoor unit leaking water", "空调室内机漏水"),
        (
            "Water drips or leaks from the indoor unit onto the wall or floor.",
            "室内机滴水、漏水，水顺着墙流下来。",
        ),
        (
            "Blocked or kinked drain pipe; unit not level; dirty filter causing ice.",
            "排水管堵塞或弯折；内机安装不水平；滤网脏导致结冰。",
        ),
        (
            "Switch the unit off.\nCheck the drain pipe outside runs downwards and is not "
            "blocked.\nClean the filter.\nIf it still drips, book a visit to clear the drain.",
            "关闭空调。\n检查室外排水管是否向下、有无堵塞。\n清洗滤网。\n仍然滴水请预约上门疏通。",
        ),
    ),
    (
        "aircon-remote",
        "aircon",
        ("Remote control does not work", "空调遥控器失灵"),
        (
            "The remote control does not respond; the unit does not beep when buttons are pressed.",
            "遥控器没反应，按键空调不响应、不滴声。",
        ),
        ("Flat batteries; child lock on; receiver blocked.", "电池没电；童锁开启；接收窗被遮挡。"),
        (
            "Replace both batteries.\nHold the lock button 3 seconds to release the child lock.\n"
            "Point the remote at the display window from within 5 metres.",
            "更换两节电池。\n长按锁定键3秒解除童锁。\n在5米内对准显示窗操作。",
        ),
    ),
    (
        "aircon-no-power",
        "aircon",
        ("Air conditioner will not switch on", "空调不开机"),
        (
            "The unit does not turn on; no display, no power, nothing happens.",
            "空调开不了机，不通电，显示屏不亮，没有任何反应。",
        ),
        (
            "Plug or breaker off; tripped leakage switch; power board fault.",
            "插头或空开未通电；漏电开关跳闸；电源板故障。",
        ),
        (
            "Check the plug and the circuit breaker; reset a tripped switch once.\n"
            "If it trips again, do not retry: book a visit.",
            "检查插头和空气开关，跳闸可复位一次。\n再次跳闸请勿重试，预约上门。",
        ),
    ),
    (
        "aircon-noise",
        "aircon",
        ("Air conditioner noisy", "空调噪音大"),
        (
            "Loud noise, rattling or humming from the indoor or outdoor unit.",
            "室内机或外机声音大，有异响、咔咔声、嗡嗡声。",
        ),
        (
            "Loose panel or bracket; fan touching something; compressor vibration.",
            "面板或支架松动；风扇碰到异物；压缩机振动。",
        ),
        (
            "Check nothing touches the outdoor unit.\nPress the indoor panel: if the noise "
            "stops, a clip is loose.\nBook a visit for a loose bracket.",
            "检查外机周围有无杂物接触。\n按压室内机面板，若声音消失为卡扣松动。\n支架松动请预约上门。",
        ),
    ),
    (
        "aircon-smell",
        "aircon",
        ("Air conditioner smells", "空调有异味"),
        (
            "A musty, mouldy or sour smell when the unit starts.",
            "一开空调就有霉味、酸味、臭味。",
        ),
        (
            "Mould on the evaporator and filter; dirty drain pan.",
            "蒸发器和滤网发霉；接水盘脏。",
        ),
        (
            "Clean the filter.\nRun Fan mode for 30 minutes to dry the coil.\n"
            "Book a deep clean if the smell stays.",
            "清洗滤网。\n开送风模式30分钟吹干蒸发器。\n异味仍在可预约深度清洗。",
        ),
    ),
    (
        "aircon-error-code",
        "aircon",
        ("Error code on the display", "空调显示故障码"),
        (
            "The display shows an error code such as E1, E4, F0 or P4 and the unit stops.",
            "显示屏显示故障代码，如E1、E4、F0、P4，空调停机。",
        ),
        (
            "A protection tripped: communication, sensor or pressure.",
            "保护动作：通讯、传感器或压力故障。",
        ),
        (
            "Note the code.\nSwitch off at the breaker for 5 minutes, then on.\n"
            "If the code returns, book a visit and give the code.",
            "记下故障码。\n断电5分钟后重新上电。\n故障码再现请预约上门并报故障码。",
        ),
    ),
    (
        "washer-spin-noise",
        "washer",
        ("Washer loud or shaking during spin", "洗衣机脱水噪音大"),
        (
            "Loud banging, vibration or walking across the floor during the spin cycle.",
            "脱水时噪音大，剧烈震动，机器跳动移位，咚咚响。",
        ),
        (
            "Transit bolts not removed; unbalanced load; machine not level.",
            "运输螺栓未拆；衣物不平衡；机器不水平。",
        ),
        (
            "Check the transit bolts at the back have been removed.\nSpread the laundry evenly "
            "and restart the spin.\nAdjust the feet until the machine is level.",
            "检查背部运输螺栓是否已拆除。\n将衣物抖散放匀后重新脱水。\n调节底脚使机器水平。",
        ),
    ),
    (
        "washer-no-drain",
        "washer",
        ("Washer does not drain", "洗衣机不排水"),
        (
            "Water stays in the drum after the wash; the machine does not pump out.",
            "洗完后桶里的水排不出去，不排水，排水慢。",
        ),
        (
            "Clogged drain filter; kinked drain hose; pump fault.",
            "排水过滤器堵塞；排水管弯折；排水泵故障。",
        ),
        (
            "Switch off and put a towel under the filter door at the front bottom.\n"
            "Unscrew the drain filter and clean out lint and coins.\nStraighten the drain hose.",
            "断电，在前下方过滤器门下垫毛巾。\n拧开排水过滤器，清除线头、硬币。\n理顺排水管。",
        ),
    ),
    (
        "washer-no-water",
        "washer",
        ("Washer does not fill", "洗衣机不进水"),
        (
            "No water comes in; the machine waits and shows a water supply error.",
            "洗衣机不进水，进水慢，提示进水故障。",
        ),
        (
            "Tap closed; inlet filter blocked; low water pressure.",
            "水龙头未开；进水阀滤网堵塞；水压低。",
        ),
        (
            "Open the tap fully.\nClean the mesh filter at the inlet hose.\nRestart the program.",
            "完全打开水龙头。\n清洗进水管接口处的滤网。\n重新启动程序。",
        ),
    ),
    (
        "washer-door-locked",
        "washer",
        ("Washer door will not open", "洗衣机门打不开"),
        (
            "The door stays locked after the program ends.",
            "洗完后门打不开，门锁住了，门锁指示灯一直亮。",
        ),
        (
            "Water left in the drum; door lock cooling down; child lock.",
            "桶内有水未排；门锁正在冷却；童锁开启。",
        ),
        (
            "Wait 2 minutes after the end.\nRun Drain/Spin if there is water in the drum.\n"
            "Release the child lock.",
            "程序结束后等2分钟。\n桶内有水时运行排水/脱水。\n解除童锁。",
        ),
    ),
    (
        "washer-leak",
        "washer",
        ("Washer leaking water", "洗衣机漏水"),
        (
            "Water on the floor under or in front of the washing machine.",
            "洗衣机底部渗水、地上有水。",
        ),
        (
            "Loose inlet hose; door seal torn; too much detergent foam.",
            "进水管接头松动；门封圈破损；洗涤剂过多起泡溢出。",
        ),
        (
            "Tighten the inlet hose at both ends.\nCheck the door seal for tears and debris.\n"
            "Use less detergent.",
            "拧紧进水管两端接头。\n检查门封圈有无破损、异物。\n减少洗涤剂用量。",
        ),
    ),
    (
        "washer-no-spin",
        "washer",
        ("Washer does not spin", "洗衣机不脱水"),
        (
            "Clothes come out soaking wet; the drum does not spin fast.",
            "洗衣机不脱水，甩干不转，衣服拿出来还是湿透的。",
        ),
        (
            "Unbalanced load stops the spin; drain blocked; low spin speed selected.",
            "衣物偏重导致停止；排水不畅；脱水转速设置过低。",
        ),
        (
            "Spread the load and run Spin alone.\nClean the drain filter.\n"
            "Choose a higher spin speed.",
            "把衣物放匀后单独运行脱水。\n清洗排水过滤器。\n选择较高的脱水转速。",
        ),
    ),
    (
        "fridge-not-cold",
        "fridge",
        ("Refrigerator not cold", "冰箱不制冷"),
        (
            "The fridge compartment is warm; food spoils; not cooling enough.",
            "冰箱冷藏室不冷，制冷效果差，食物容易坏。",
        ),
        (
            "Temperature set too high; door seal not closing; condenser dusty; no "
            "ventilation around the cabinet.",
            "温度设置过高；门封不严；冷凝器积灰；箱体周围不通风。",
        ),
        (
            "Set the fridge to 4 °C.\nCheck the door closes and the seal holds a sheet of "
            "paper.\nLeave 10 cm free around the cabinet.\nIf still warm after 24 hours, book a "
            "visit.",
            "将冷藏温度调到4℃。\n检查门能关严，门封能夹住纸片。\n箱体四周留出10厘米空间。\n24小时后仍不冷请预约上门。",
        ),
    ),
    (
        "fridge-leak",
        "fridge",
        ("Refrigerator leaking water", "冰箱漏水"),
        (
            "Water inside the fridge or a puddle on the floor under it.",
            "冰箱里面积水，冰箱底下地面有水。",
        ),
        (
            "Blocked defrost drain hole; drip tray cracked.",
            "化霜排水孔堵塞；接水盘破裂。",
        ),
        (
            "Find the drain hole at the back wall of the fridge compartment.\nClear it with the "
            "cleaning pin and warm water.\nCheck the drip tray at the back bottom.",
            "找到冷藏室后壁的排水孔。\n用疏通针和温水疏通。\n检查背部下方的接水盘。",
        ),
    ),
    (
        "fridge-frost",
        "fridge",
        ("Heavy frost or ice in the freezer", "冷冻室结霜结冰"),
        (
            "Thick frost or ice builds up in the freezer; drawers freeze shut.",
            "冷冻室结霜严重、结冰厚，抽屉冻住拉不开。",
        ),
        (
            "Door left open or seal leaking; defrost heater fault (frost-free models).",
            "门未关好或门封漏气；化霜加热器故障（风冷机型）。",
        ),
        (
            "Check the door seal.\nDefrost: switch off, empty, leave the door open with towels.\n"
            "If a frost-free model frosts again within a week, book a visit.",
            "检查门封。\n除霜：断电、清空、开门垫毛巾化冰。\n风冷冰箱一周内再结霜请预约上门。",
        ),
    ),
    (
        "fridge-noise",
        "fridge",
        ("Refrigerator noisy", "冰箱噪音大"),
        (
            "Loud humming, buzzing or rattling from the refrigerator.",
            "冰箱嗡嗡响、声音大、有异响。",
        ),
        (
            "Cabinet not level or touching the wall; fan hitting ice; compressor.",
            "箱体不平或贴墙；风扇碰到冰块；压缩机振动。",
        ),
        (
            "Level the feet and move the cabinet 10 cm from the wall.\nCheck the freezer fan for "
            "ice.\nBook a visit if the compressor is loud.",
            "调平底脚，离墙10厘米。\n检查冷冻室风扇是否结冰。\n压缩机声音大请预约上门。",
        ),
    ),
    (
        "fridge-too-cold",
        "fridge",
        ("Food freezing in the fridge compartment", "冷藏室结冰"),
        (
            "Vegetables and drinks freeze in the fridge compartment; too cold.",
            "冷藏室温度太低，蔬菜饮料被冻住，冷藏室结冰。",
        ),
        (
            "Set temperature too low; food blocking the cold air vent.",
            "温度设置过低；食物堵住出风口。",
        ),
        (
            "Set the fridge to 4 or 5 °C.\nKeep food away from the back wall and the vent.",
            "将冷藏温度调到4到5℃。\n食物不要贴后壁和出风口。",
        ),
    ),
    (
        "fridge-smell",
        "fridge",
        ("Refrigerator smells", "冰箱有异味"),
        (
            "A bad smell inside the refrigerator.",
            "冰箱里有臭味、异味。",
        ),
        (
            "Spoiled food; blocked drain; dirty seals.",
            "食物变质；排水孔堵塞；门封脏。",
        ),
        (
            "Remove spoiled food and wipe the shelves with mild detergent.\nClear the drain "
            "hole.\nPut an open box of baking soda inside.",
            "清除变质食物，用中性清洁剂擦拭隔板。\n疏通排水孔。\n放一盒小苏打除味。",
        ),
    ),
]
