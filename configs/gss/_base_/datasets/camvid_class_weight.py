# CamVid-11 class weights of the class-balanced losses: square-rooted
# median-frequency weights of the train labels (Sky, Building, Pole, Road,
# Pavement, Tree, SignSymbol, Fence, Car, Pedestrian, Bicyclist), printed by
#   python tools/class_weights.py configs/gss/camvid/upernet-balanced_effnet-lite0_256x256_2k_camvid.py
# Configs take them as {{_base_.class_weight}}.
class_weight = [
    0.528, 0.449, 2.188, 0.386, 1.0, 0.649, 1.961, 1.405, 0.888, 2.525, 2.976
]
