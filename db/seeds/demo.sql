-- Ghostypedia demo dataset (hand-written; see db/seeds/README.md).
--
-- Idempotent: every INSERT ends with ON CONFLICT DO NOTHING, so loading it twice adds
-- nothing. The loader runs it inside one transaction (no BEGIN/COMMIT here).
-- Every row id is a fixed UUID whose first group identifies the table:
--   5eed0001- users                5eed0007- reading_progress
--   5eed0002- ghost_entities       5eed0008- interactions
--   5eed0003- stories              5eed0009- preference_profiles
--   5eed0004- relationships        5eed000a- media
--   5eed0005- comments             5eed000b- feature_flags
--   5eed0006- bookmarks
-- story_ghost_entities has no id; its rows belong to 5eed0003- stories.
-- db/seeds/demo_clean.sql removes exactly these rows.
--
-- Long texts are written as adjacent string literals, which PostgreSQL joins
-- when only whitespace containing a newline separates them. Story bodies start
-- with E'...', so the \n\n paragraph breaks in their continuation lines are
-- escapes too.

-- Passwords are listed in db/seeds/README.md.
INSERT INTO users (id, email, username, display_name, password_hash, role, tier, created_at)
VALUES
(
    '5eed0001-0000-4000-8000-000000000001',
    'admin@demo.ghostypedia.test',
    'admin',
    'Ada Admin',
    '$argon2id$v=19$m=65536,t=3,p=4$MJh/yYbKfk8yBILP1g/L3A$'
    'cMYgIXHg8yXXe0w6ipVPwSpXjfP/0ZpqfZTJ3V7nHoM',
    'admin',
    'pro',
    '2025-01-02 09:00:00+00'
),
(
    '5eed0001-0000-4000-8000-000000000002',
    'editor@demo.ghostypedia.test',
    'editor',
    'Edgar Editor',
    '$argon2id$v=19$m=65536,t=3,p=4$jq9bxzMzY1xFLMRTRYwv2A$'
    'EB4gQA/dq7RGRLz4VmuWlZdGECQSUa6rNSRHdgjEds8',
    'editor',
    'premium',
    '2025-01-02 09:05:00+00'
),
(
    '5eed0001-0000-4000-8000-000000000003',
    'reader@demo.ghostypedia.test',
    'reader',
    'Rosa Reader',
    '$argon2id$v=19$m=65536,t=3,p=4$0wZN0cxnJsVbtilvWyo8jA$'
    'kHF3QAdTmcNFSDaDeIcEjkMJsnAVbbd7E/AmTlopnkE',
    'reader',
    'free',
    '2025-01-02 09:10:00+00'
),
(
    '5eed0001-0000-4000-8000-000000000004',
    'premium_reader@demo.ghostypedia.test',
    'premium_reader',
    'Piers Premium',
    '$argon2id$v=19$m=65536,t=3,p=4$S2PebzBoA1dG7x+R8GgmRw$'
    'yjkeZFych1bzqF2TIqSeDp2WIvAmo07XP+HqQlnBtdk',
    'reader',
    'premium',
    '2025-01-02 09:15:00+00'
),
(
    '5eed0001-0000-4000-8000-000000000005',
    'pro_reader@demo.ghostypedia.test',
    'pro_reader',
    'Priya Pro',
    '$argon2id$v=19$m=65536,t=3,p=4$d1fTefom+t7p3nU2sTPlHw$'
    'XpSbtbt2uFnRdJfmrGRYv8Roo3c8WKo5MCj4/Rd9u3o',
    'reader',
    'pro',
    '2025-01-02 09:20:00+00'
)
ON CONFLICT DO NOTHING;

INSERT INTO preference_profiles (
    id, user_id, favorite_entity_types, favorite_tags, min_danger, max_danger, show_spoilers,
    email_digest
)
VALUES
(
    '5eed0009-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000003',
    ARRAY['apparition', 'wraith', 'banshee'],
    ARRAY['woman-in-white', 'ireland', 'water'],
    1,
    3,
    FALSE,
    TRUE
),
(
    '5eed0009-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000004',
    ARRAY['folk_spirit', 'shapeshifter', 'cryptid'],
    ARRAY['japan', 'scotland', 'forest'],
    2,
    5,
    TRUE,
    FALSE
),
(
    '5eed0009-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000005',
    ARRAY['poltergeist', 'revenant', 'demon'],
    ARRAY['house', 'investigation', 'united-states'],
    3,
    5,
    TRUE,
    TRUE
)
ON CONFLICT DO NOTHING;

-- 43 published entries and 4 drafts, all authored by the editor.
INSERT INTO ghost_entities (
    id, slug, name, entity_type, origin, location, era, description, danger_level, characteristics,
    tags, status, published_at, author_id, created_at
)
VALUES
(
    '5eed0002-0000-4000-8000-000000000001',
    'bloody-mary',
    'Bloody Mary',
    'apparition',
    'United States and British Isles',
    'Darkened bathroom mirrors',
    '20th century, with older roots in mirror divination',
    'A ghostly woman said to appear in a mirror when her name is chanted, usually three or '
    'thirteen times, in a dark room lit by a single candle. The dare became a fixture of '
    'sleepovers in the second half of the twentieth century, but it echoes far older customs '
    'in which young women gazed into a mirror by candlelight hoping to glimpse a future '
    'husband. Tellers disagree about who she was: a murdered bride, a witch, or a garbled '
    'memory of Queen Mary I. What she does ranges from a fleeting face in the glass to '
    'scratches and screams.',
    3,
    ARRAY[
        'appears in darkened mirrors',
        'summoned by chanting her name',
        'face streaked with blood',
        'scratches those who call her'
    ],
    ARRAY['mirror', 'ritual', 'urban-legend', 'vengeful', 'united-states', 'england'],
    'published',
    '2025-01-06 09:00:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-01-03 09:00:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000002',
    'la-llorona',
    'La Llorona',
    'wraith',
    'Mexico',
    'Rivers, canals and arroyos of Mexico and the American Southwest',
    'Colonial era onward',
    'The Weeping Woman: a figure in a white gown who wanders along waterways at night, '
    'wailing for the children she drowned. In the most common telling she killed them in '
    'grief or rage after their father abandoned her, then died herself and was condemned to '
    'search the rivers forever. Parents across Mexico and the American Southwest invoke her '
    'to keep children away from water after dark. Tradition holds that when her cry sounds '
    'far away she is very close.',
    4,
    ARRAY[
        'long white dress',
        'wails for her lost children',
        'haunts riverbanks at night',
        'lures children toward water'
    ],
    ARRAY[
        'water',
        'weeping',
        'woman-in-white',
        'child',
        'mexico',
        'latin-america',
        'vengeful',
        'omen'
    ],
    'published',
    '2025-01-15 10:13:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-01-12 10:13:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000003',
    'banshee',
    'The Banshee (Bean Sí)',
    'banshee',
    'Ireland',
    'Rural Ireland, near the homes of old Gaelic families',
    'Medieval to present',
    'A female spirit of Irish tradition whose keening announces an approaching death in the '
    'family she attends. She is usually said to follow particular old Gaelic lineages, such '
    'as the O''Neills and O''Briens, rather than haunting a place. Descriptions vary from a '
    'pale young woman with streaming hair to a small, grey-cloaked crone combing her hair '
    'with a silver comb. She does no harm herself: her cry is a warning, not a cause.',
    2,
    ARRAY[
        'keening wail at night',
        'attached to old family lines',
        'combs her long hair',
        'eyes red from weeping'
    ],
    ARRAY['ireland', 'omen', 'death-omen', 'weeping', 'woman', 'family'],
    'published',
    '2025-01-24 11:26:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-01-21 11:26:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000004',
    'flying-dutchman',
    'The Flying Dutchman',
    'apparition',
    'Netherlands (maritime legend)',
    'Waters off the Cape of Good Hope',
    '17th century onward',
    'A phantom ship doomed to sail the oceans forever without making port. The legend '
    'usually blames a Dutch captain who swore he would round the Cape of Good Hope in a '
    'storm even if it took until Judgement Day. Sailors who sight her glowing hull are said '
    'to be marked for disaster, and anyone who accepts letters from her crew shares the '
    'ship''s fate. The tale spread through seafaring lore and later through Wagner''s opera.',
    3,
    ARRAY[
        'glowing ghost ship',
        'sails against the wind',
        'sighting foretells disaster',
        'can never make port'
    ],
    ARRAY['ship', 'sea', 'omen', 'curse', 'water'],
    'published',
    '2025-02-02 12:39:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-01-30 12:39:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000005',
    'brown-lady-of-raynham-hall',
    'The Brown Lady of Raynham Hall',
    'apparition',
    'England',
    'Raynham Hall, Norfolk',
    '18th century onward (photographed in 1936)',
    'The ghost of a woman in a brown brocade dress, traditionally identified as Lady Dorothy '
    'Walpole, who died at Raynham Hall in 1726. Nineteenth-century guests reported meeting '
    'her in the corridors, and one claimed to have fired a pistol at her. She is best known '
    'from a 1936 magazine photograph that appears to show a veiled figure descending the '
    'main staircase. Sceptics attribute the image to a double exposure, but it remains one '
    'of the most reproduced ghost photographs ever taken.',
    1,
    ARRAY[
        'brown brocade dress',
        'glides down the grand staircase',
        'empty eye sockets in some accounts',
        'captured in a 1936 photograph'
    ],
    ARRAY['england', 'house', 'woman', 'photograph', 'noble'],
    'published',
    '2025-02-11 13:52:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-02-08 13:52:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000006',
    'resurrection-mary',
    'Resurrection Mary',
    'apparition',
    'United States',
    'Archer Avenue, Justice, Illinois',
    '1930s onward',
    'A vanishing hitchhiker in a white dress who haunts Archer Avenue outside Resurrection '
    'Cemetery, south-west of Chicago. Young men have claimed to meet her at a dance hall, '
    'drive her home, and watch her disappear as they pass the cemetery gates. She is often '
    'linked to a young woman killed on her way home from a dance in the 1930s. Drivers also '
    'report striking a woman in white on the road, only to find nobody there.',
    2,
    ARRAY[
        'white party dress',
        'asks for a ride home',
        'vanishes at the cemetery gates',
        'cold to the touch'
    ],
    ARRAY['highway', 'hitchhiker', 'woman-in-white', 'united-states', 'cemetery', 'romance'],
    'published',
    '2025-02-20 14:05:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-02-17 14:05:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000007',
    'bell-witch',
    'The Bell Witch',
    'poltergeist',
    'United States',
    'Adams, Robertson County, Tennessee',
    '1817-1821',
    'An invisible entity that tormented the family of farmer John Bell on the Tennessee '
    'frontier. It began with knocking and scratching, then spoke aloud, sang hymns, argued '
    'scripture and slapped the Bell children, especially their daughter Betsy. The voice '
    'often answered to the name Kate and vowed to kill John Bell, whose death in 1820 it '
    'openly claimed. It is one of the most famous American hauntings and has inspired books, '
    'films and a cave attraction.',
    4,
    ARRAY[
        'disembodied voice',
        'slaps and pinches',
        'hostile to the head of the household',
        'knocking and scratching in the walls'
    ],
    ARRAY['house', 'curse', 'united-states', 'voice', 'vengeful', 'family'],
    'published',
    '2025-03-01 15:18:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-02-26 15:18:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000008',
    'headless-horseman',
    'The Headless Horseman of Sleepy Hollow',
    'revenant',
    'United States (Dutch-American folklore)',
    'Sleepy Hollow, New York',
    'Revolutionary War era',
    'The ghost of a Hessian trooper said to have lost his head to a cannonball during the '
    'American Revolution. He rides out each night from the churchyard where he was buried, '
    'searching for his missing head. Washington Irving fixed the legend in ''The Legend of '
    'Sleepy Hollow'' (1820), in which he chases the schoolmaster Ichabod Crane to the old '
    'church bridge. Like many headless riders, he is said to be unable to cross it.',
    3,
    ARRAY[
        'rides a huge black horse',
        'carries or hurls his head',
        'cannot cross the church bridge',
        'pursues travellers at night'
    ],
    ARRAY['headless', 'horse', 'united-states', 'bridge', 'cemetery', 'halloween', 'undead'],
    'published',
    '2025-03-10 09:31:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-03-07 09:31:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000009',
    'black-shuck',
    'Black Shuck',
    'apparition',
    'England',
    'Coasts, lanes and churchyards of East Anglia',
    'Medieval onward (Bungay, 1577)',
    'A huge black dog with blazing eyes said to roam the lonely lanes, coastline and '
    'churchyards of Norfolk and Suffolk. Meeting him was widely believed to foretell death '
    'within the year, although some tales cast him as a silent protector of travellers. His '
    'most famous appearance came on 4 August 1577, when a storm struck the churches at '
    'Bungay and Blythburgh and a fiery hound was blamed for the deaths of worshippers. '
    'Scorch marks on Blythburgh''s north door are still pointed out as his claw marks.',
    3,
    ARRAY[
        'black dog the size of a calf',
        'burning red eyes',
        'appears in storms',
        'leaves scorch marks'
    ],
    ARRAY['hound', 'england', 'omen', 'death-omen', 'church', 'storm', 'crossroads'],
    'published',
    '2025-03-19 10:44:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-03-16 10:44:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000010',
    'wendigo',
    'The Wendigo',
    'spirit',
    'Algonquian-speaking peoples of North America',
    'Northern forests around the Great Lakes and across Canada',
    'Traditional; recorded from the 17th century',
    'A being from the traditions of Algonquian-speaking nations, including the Anishinaabe '
    'and Cree, associated with winter, starvation and insatiable greed. In many accounts a '
    'person who resorts to cannibalism, or is consumed by selfishness, can become a wendigo, '
    'growing gaunter and hungrier the more it eats. The figure carries real moral and '
    'cultural weight in the communities that tell of it, and the antlered monster of popular '
    'horror is largely a modern invention. This entry summarises published sources and does '
    'not speak for those communities.',
    5,
    ARRAY[
        'associated with winter and famine',
        'hunger that is never satisfied',
        'gaunt, emaciated form',
        'embodies greed and broken taboo'
    ],
    ARRAY['winter', 'forest', 'north-america', 'taboo'],
    'published',
    '2025-03-28 11:57:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-03-25 11:57:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000011',
    'yuki-onna',
    'Yuki-onna',
    'folk_spirit',
    'Japan',
    'Snowbound mountains of Japan',
    'Muromachi period onward',
    'The snow woman of Japanese folklore, who appears on winter nights as a tall, beautiful '
    'figure with pale skin and a white kimono. Some tales have her freeze travellers with '
    'her breath; others show her sparing a young man on condition that he never speaks of '
    'her. In the version retold by Lafcadio Hearn, the man''s wife turns out to be the same '
    'spirit, and she leaves him when he breaks that promise. She embodies both the beauty '
    'and the deadly danger of a mountain blizzard.',
    3,
    ARRAY[
        'white kimono and long black hair',
        'breath that freezes',
        'appears in blizzards',
        'leaves no footprints in the snow'
    ],
    ARRAY['japan', 'winter', 'woman-in-white', 'yokai', 'romance'],
    'published',
    '2025-04-06 12:10:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-04-03 12:10:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000012',
    'kuchisake-onna',
    'Kuchisake-onna',
    'wraith',
    'Japan',
    'Street corners and school routes of Japanese towns',
    'Edo-period roots; modern panic in 1979',
    'The slit-mouthed woman, a masked figure who approaches people, often children walking '
    'home alone, and asks whether she is pretty. If the answer is yes, she removes the mask '
    'to reveal a mouth cut from ear to ear and asks again. Folklore offers escapes such as '
    'calling her average or distracting her with hard candy. Rumours of sightings caused a '
    'genuine panic in Japan in 1979, with some schools sending pupils home in groups.',
    4,
    ARRAY[
        'surgical mask over her face',
        'asks whether she is pretty',
        'mouth slit ear to ear',
        'carries scissors or a blade'
    ],
    ARRAY['japan', 'urban-legend', 'vengeful', 'child', 'yokai', 'school'],
    'published',
    '2025-04-15 13:23:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-04-12 13:23:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000013',
    'hanako-san',
    'Hanako-san',
    'spirit',
    'Japan',
    'Third stall of a school girls'' toilet',
    '1950s onward',
    'A school ghost said to live in the third stall of a girls'' toilet, often on the third '
    'floor. Pupils summon her by knocking three times and asking whether Hanako-san is '
    'there, and a faint voice may answer. She is usually pictured as a girl with a bob '
    'haircut and a red skirt. Versions range from a harmless prankster to a figure who drags '
    'the caller into the toilet.',
    2,
    ARRAY[
        'bob haircut and red skirt',
        'answers knocks on the third stall',
        'haunts school toilets',
        'summoned by a ritual question'
    ],
    ARRAY['japan', 'school', 'child', 'urban-legend', 'ritual'],
    'published',
    '2025-04-24 14:36:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-04-21 14:36:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000014',
    'jersey-devil',
    'The Jersey Devil',
    'cryptid',
    'United States',
    'Pine Barrens, southern New Jersey',
    '1735 onward',
    'A winged creature said to haunt the Pine Barrens of southern New Jersey. Legend holds '
    'that a Mother Leeds, learning she was pregnant with her thirteenth child, cursed it, '
    'and the baby was born as a hooved, bat-winged beast that flew up the chimney. A wave of '
    'reported sightings and tracks in January 1909 closed schools and mills across the '
    'Delaware Valley. Today it is a regional mascot as much as a monster.',
    3,
    ARRAY['horse-like head', 'leathery bat wings', 'cloven hooves', 'blood-curdling scream'],
    ARRAY['forest', 'united-states', 'winged', 'curse', 'child'],
    'published',
    '2025-05-03 15:49:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-04-30 15:49:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000015',
    'mothman',
    'The Mothman',
    'cryptid',
    'United States',
    'Point Pleasant, West Virginia',
    '1966-1967',
    'A tall, winged figure with glowing red eyes reported around Point Pleasant, West '
    'Virginia, beginning in November 1966. Many sightings centred on the abandoned TNT area, '
    'a former munitions site north of town. When the Silver Bridge collapsed in December '
    '1967, killing 46 people, some residents came to see the creature as a harbinger of the '
    'disaster. The town now holds an annual festival in its honour and displays a large '
    'steel statue.',
    2,
    ARRAY[
        'glowing red eyes',
        'wingspan of about ten feet',
        'keeps pace with speeding cars',
        'seen before disasters'
    ],
    ARRAY['united-states', 'winged', 'omen', 'bridge'],
    'published',
    '2025-05-12 09:02:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-05-09 09:02:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000016',
    'gray-man-of-pawleys-island',
    'The Gray Man of Pawleys Island',
    'apparition',
    'United States',
    'Pawleys Island, South Carolina',
    '19th century onward',
    'A figure in grey seen walking the beaches of Pawleys Island shortly before a major '
    'hurricane strikes. Those who meet him are said to find their homes unharmed when the '
    'storm has passed, so a sighting is treated as a warning rather than a threat. Accounts '
    'of his identity differ, from a young man who drowned in a marsh while hurrying to his '
    'fiancée to a long-dead island resident. Residents reported him before Hurricane Hazel '
    'in 1954 and Hurricane Hugo in 1989.',
    1,
    ARRAY[
        'grey, old-fashioned clothing',
        'walks the dunes before storms',
        'vanishes when approached',
        'spares the homes of those he warns'
    ],
    ARRAY['united-states', 'sea', 'omen', 'storm', 'protector', 'romance'],
    'published',
    '2025-05-21 10:15:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-05-18 10:15:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000017',
    'anne-boleyn-tower-of-london',
    'Anne Boleyn at the Tower',
    'apparition',
    'England',
    'Tower of London and Blickling Hall, Norfolk',
    'Since 1536',
    'The second wife of Henry VIII, beheaded within the Tower of London in May 1536, is one '
    'of England''s most reported royal ghosts. Guards and visitors have described a headless '
    'woman, or a pale figure leading a procession, near the Chapel of St Peter ad Vincula '
    'where she is buried. At Blickling Hall, her family home, she is said to arrive in a '
    'phantom coach on the anniversary of her death with her head on her lap. Her appearances '
    'are described as sorrowful rather than threatening.',
    1,
    ARRAY[
        'headless or carrying her head',
        'appears on the anniversary of her death',
        'leads a spectral procession',
        'rides in a phantom coach'
    ],
    ARRAY['england', 'castle', 'headless', 'royalty', 'woman'],
    'published',
    '2025-05-30 11:28:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-05-27 11:28:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000018',
    'grey-lady',
    'The Grey Lady',
    'apparition',
    'Great Britain',
    'Castles, manor houses and old hospitals across Britain',
    'Various periods',
    'A recurring type of British ghost: a woman in a grey gown, often a nurse, a nun or a '
    'lady of the house, seen drifting through corridors. Dozens of places claim a Grey Lady '
    'of their own, from Glamis Castle in Scotland to theatres and hospitals in England. Many '
    'are linked to tales of lost love or death from grief. They are generally considered '
    'gentle presences and are sometimes credited with tending the sick.',
    1,
    ARRAY[
        'grey gown or habit',
        'glides along corridors',
        'faint scent of lavender',
        'associated with grief'
    ],
    ARRAY['england', 'scotland', 'castle', 'woman', 'house', 'romance', 'nun'],
    'published',
    '2025-06-08 12:41:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-06-05 12:41:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000019',
    'white-lady',
    'The White Lady',
    'apparition',
    'Europe (widespread)',
    'Castles, bridges and lonely roads across Europe',
    'Medieval onward',
    'A widespread European ghost type: a pale woman in white tied to a tragic death, often '
    'through betrayal, drowning or murder. German tradition tells of a Weiße Frau who '
    'appears in noble houses to foretell a death in the family, while British and Dutch '
    'versions haunt wells, bridges and roadsides. Many local legends attach the figure to a '
    'specific noblewoman. The motif travelled widely and shaped similar legends in the '
    'Americas.',
    2,
    ARRAY[
        'white gown',
        'seen near water or bridges',
        'foretells deaths in noble families',
        'silent and sorrowful'
    ],
    ARRAY['woman-in-white', 'castle', 'omen', 'water', 'europe', 'noble', 'highway'],
    'published',
    '2025-06-17 13:54:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-06-14 13:54:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000020',
    'dullahan',
    'The Dullahan',
    'folk_spirit',
    'Ireland',
    'Country roads of Ireland',
    'Traditional',
    'A headless rider of Irish folklore who carries his own head under his arm, its eyes '
    'darting and its grin stretching from ear to ear. When he reins in his black horse and '
    'calls out a name, that person dies. Locked gates fly open before him, and anyone who '
    'watches him pass may have a basin of blood thrown in their face. Gold is said to be the '
    'only thing he fears.',
    4,
    ARRAY[
        'carries his own head',
        'whip made from a human spine',
        'calls the name of the doomed',
        'afraid of gold'
    ],
    ARRAY['ireland', 'headless', 'horse', 'death-omen', 'omen'],
    'published',
    '2025-06-26 14:07:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-06-23 14:07:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000021',
    'pontianak',
    'Pontianak',
    'revenant',
    'Malaysia and Indonesia',
    'Banana groves, frangipani trees and village roads',
    'Traditional Malay folklore',
    'In Malay and Indonesian folklore, the ghost of a woman who died during pregnancy or '
    'childbirth and returns seeking revenge. She appears as a beautiful woman in white with '
    'long hair, announced by the scent of frangipani that turns to the stench of decay. '
    'Tradition says a nail driven into the nape of her neck turns her back into a harmless '
    'woman. The city of Pontianak in West Kalimantan is said to take its name from her.',
    5,
    ARRAY[
        'scent of frangipani',
        'long black hair and a white dress',
        'cry that sounds distant when she is close',
        'subdued by a nail in the neck'
    ],
    ARRAY['southeast-asia', 'woman-in-white', 'vengeful', 'night'],
    'published',
    '2025-07-05 15:20:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-07-02 15:20:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000022',
    'krasue',
    'Krasue',
    'spirit',
    'Thailand, Cambodia and Laos',
    'Villages and rice fields of mainland Southeast Asia',
    'Traditional',
    'A nocturnal spirit seen as a woman''s floating head with her internal organs dangling '
    'beneath it, glowing as it travels. By day the woman seems ordinary; at night her head '
    'detaches to hunt for blood and raw flesh. Villagers protected newborns and mothers by '
    'surrounding homes with thorny branches in which the trailing organs would snag. Thai '
    'cinema and television have made her one of the best-known ghosts in the region.',
    4,
    ARRAY[
        'floating head with trailing entrails',
        'glows in the dark',
        'hunts at night',
        'kept away with thorny branches'
    ],
    ARRAY['southeast-asia', 'night', 'woman', 'lights', 'curse'],
    'published',
    '2025-07-14 09:33:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-07-11 09:33:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000023',
    'draugr',
    'The Draugr',
    'revenant',
    'Scandinavia (Old Norse)',
    'Burial mounds of Iceland and Norway',
    'Viking Age and medieval sagas',
    'An animated corpse from Norse saga literature that guards its burial mound and its '
    'treasure, or walks out to attack the living. Draugar are described as swollen, '
    'corpse-dark and enormously strong, and some can change size or enter dreams. Grettis '
    'saga tells of Glámr, a draugr whose dying glare cursed the hero Grettir. Remedies '
    'included beheading the body, burning it, or laying open scissors on the corpse''s chest.',
    5,
    ARRAY[
        'swollen, corpse-dark body',
        'guards a burial mound',
        'superhuman strength',
        'stench of the grave'
    ],
    ARRAY['scandinavia', 'undead', 'treasure', 'cemetery', 'winter'],
    'published',
    '2025-07-23 10:46:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-07-20 10:46:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000024',
    'nuckelavee',
    'The Nuckelavee',
    'demon',
    'Orkney, Scotland',
    'Shores of the Orkney Islands',
    'Traditional, recorded in the 19th century',
    'The most malevolent of the Orkney sea demons: a horse and rider fused together, '
    'entirely without skin, so that black blood can be seen coursing through yellow veins. '
    'It comes ashore to blight crops, sicken livestock and spread disease. It cannot abide '
    'fresh water, so anyone pursued by it was told to cross a running stream. Much of what '
    'is known about it comes from the folklorist Walter Traill Dennison.',
    5,
    ARRAY[
        'skinless horse-and-rider body',
        'breath that withers crops',
        'cannot cross fresh water',
        'comes ashore from the sea'
    ],
    ARRAY['scotland', 'sea', 'horse', 'water', 'livestock'],
    'published',
    '2025-08-01 11:59:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-07-29 11:59:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000025',
    'kelpie',
    'The Kelpie',
    'shapeshifter',
    'Scotland',
    'Lochs and rivers of Scotland',
    'Traditional',
    'A water spirit of Scottish folklore that usually takes the form of a handsome horse '
    'grazing beside a river or loch. Anyone who mounts it finds themselves stuck fast to its '
    'hide before it plunges into the water to drown them. It can also take human form, '
    'betrayed only by water weed or sand in its hair. Whoever holds a kelpie''s bridle is '
    'said to have power over it.',
    4,
    ARRAY[
        'appears as a sleek horse',
        'sticky hide that traps riders',
        'drags victims underwater',
        'controlled by its bridle'
    ],
    ARRAY['scotland', 'water', 'horse', 'shapeshifter', 'child'],
    'published',
    '2025-08-10 12:12:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-08-07 12:12:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000026',
    'domovoi',
    'The Domovoi',
    'folk_spirit',
    'Russia and the Slavic world',
    'Behind the stove or under the threshold of Slavic homes',
    'Pre-Christian Slavic tradition',
    'The house spirit of Slavic tradition, often imagined as a small, bearded old man '
    'covered in fur. He protects the household and its animals when respected, but knocks, '
    'hides things and troubles sleepers when neglected. Families left him bread and milk '
    'and, when moving house, carried embers from the old hearth so that he could follow. His '
    'moods were read as signs of coming good or bad fortune.',
    1,
    ARRAY[
        'small bearded old man',
        'lives behind the stove',
        'rewards a tidy household',
        'moves with the family'
    ],
    ARRAY['russia', 'slavic', 'household', 'protector', 'house'],
    'published',
    '2025-08-19 13:25:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-08-16 13:25:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000027',
    'rusalka',
    'The Rusalka',
    'wraith',
    'Russia, Ukraine and Belarus',
    'Rivers, lakes and birch groves',
    'Slavic folklore, recorded in the 19th century',
    'In East Slavic folklore, the restless spirit of a young woman who died by drowning, '
    'often before her wedding. Rusalki were said to leave the water during Rusalka Week in '
    'early summer to swing in the birches and dance in the fields, luring young men into the '
    'river or tickling them to death. Older beliefs seem to link them with fertility and '
    'rain. The darker, vengeful image grew stronger in the nineteenth century.',
    3,
    ARRAY[
        'long loose hair',
        'dances in moonlit fields',
        'lures men into rivers',
        'most active in early summer'
    ],
    ARRAY['russia', 'slavic', 'water', 'woman', 'forest'],
    'published',
    '2025-08-28 14:38:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-08-25 14:38:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000028',
    'enfield-poltergeist',
    'The Enfield Poltergeist',
    'poltergeist',
    'England',
    'Green Street, Enfield, North London',
    '1977-1979',
    'A series of disturbances reported in a council house in Enfield, centred on two sisters '
    'aged eleven and thirteen. Witnesses described furniture moving, knocking in the walls '
    'and one girl apparently levitating, and a gruff voice claimed to be a former occupant. '
    'Investigators from the Society for Psychical Research were divided, and some concluded '
    'that at least part of the activity was faked. It remains one of Britain''s most debated '
    'hauntings.',
    2,
    ARRAY[
        'knocking and moving furniture',
        'gruff voice speaking through a child',
        'centred on two sisters',
        'investigated by the SPR'
    ],
    ARRAY['england', 'house', 'child', 'voice', 'investigation', 'photograph'],
    'published',
    '2025-09-06 15:51:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-09-03 15:51:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000029',
    'borley-rectory-spirits',
    'The Borley Rectory Spirits',
    'poltergeist',
    'England',
    'Borley, Essex',
    '1863-1939',
    'Borley Rectory, a Victorian house in Essex, was once promoted as the most haunted house '
    'in England. Reports included a phantom nun walking the garden, a spectral coach, '
    'ringing bells and pencilled messages appearing on the walls. The psychical researcher '
    'Harry Price publicised the case in the 1930s, but later investigators accused him of '
    'exaggeration and trickery. The rectory burned in 1939 and was demolished a few years '
    'later.',
    2,
    ARRAY[
        'phantom nun in the garden',
        'writing on the walls',
        'ringing servants'' bells',
        'spectral horse-drawn coach'
    ],
    ARRAY['england', 'house', 'nun', 'investigation', 'church'],
    'published',
    '2025-09-15 09:04:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-09-12 09:04:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000030',
    'blue-lady-of-moss-beach',
    'The Blue Lady of Moss Beach',
    'apparition',
    'United States',
    'Moss Beach Distillery, San Mateo County, California',
    '1920s onward',
    'A woman in a blue dress said to haunt a cliff-top restaurant on the California coast '
    'that served as a speakeasy during Prohibition. Legend says she died on the beach below '
    'while meeting the piano player with whom she was having an affair. Staff and diners '
    'report her moving objects, flicking lights and appearing by the windows. Her reputation '
    'is affectionate, and she is treated as part of the house.',
    1,
    ARRAY[
        'blue dress',
        'lingers by the sea windows',
        'plays with lights and objects',
        'waits for a lost lover'
    ],
    ARRAY['united-states', 'sea', 'woman', 'romance', 'house'],
    'published',
    '2025-09-24 10:17:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-09-21 10:17:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000031',
    'tokoloshe',
    'The Tokoloshe',
    'folk_spirit',
    'Southern Africa (Zulu and Xhosa folklore)',
    'Homes and riverbanks in South Africa and Lesotho',
    'Traditional',
    'A small, mischievous being from Zulu and Xhosa folklore, said to be summoned by people '
    'who wish harm on others. It can make itself invisible, and some accounts link it with '
    'rivers. A long-standing custom is to raise beds on bricks so that the short creature '
    'cannot reach the sleeper. Stories about it remain part of everyday life, and everyday '
    'humour, in parts of southern Africa.',
    3,
    ARRAY[
        'short and hairy',
        'can become invisible',
        'sent to cause mischief',
        'thwarted by beds raised on bricks'
    ],
    ARRAY['africa', 'water', 'household', 'night', 'curse'],
    'published',
    '2025-10-03 11:30:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-09-30 11:30:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000032',
    'mami-wata',
    'Mami Wata',
    'spirit',
    'West and Central Africa and the African diaspora',
    'Rivers, coasts and markets',
    'Centuries old; widespread from the 19th century',
    'A water spirit venerated across West and Central Africa and in diaspora traditions of '
    'the Caribbean and the Americas, often shown as a mermaid or a woman holding a snake. '
    'She is associated with beauty, wealth, healing and the sea, and can bring fortune or '
    'misfortune to those she favours. For many followers she is a living spiritual presence '
    'rather than a ghost story, honoured in active religious practice. Her familiar image '
    'owes much to a nineteenth-century print of a snake charmer.',
    2,
    ARRAY[
        'depicted as a mermaid or snake charmer',
        'linked with wealth and beauty',
        'appears near water',
        'asks devotion of her followers'
    ],
    ARRAY['africa', 'water', 'sea', 'protector', 'woman'],
    'published',
    '2025-10-12 12:43:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-10-09 12:43:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000033',
    'chupacabra',
    'The Chupacabra',
    'cryptid',
    'Puerto Rico',
    'Puerto Rico, Mexico and the southern United States',
    '1995 onward',
    'A creature blamed for killing livestock and draining their blood, first reported in '
    'Puerto Rico in 1995. Early descriptions featured a spiny, upright animal with large '
    'eyes, while later reports from Mexico and Texas describe a hairless, dog-like beast. '
    'Examinations of carcasses have generally identified coyotes or dogs suffering from '
    'severe mange. Its name means goat-sucker in Spanish.',
    3,
    ARRAY[
        'drains the blood of livestock',
        'spines along its back',
        'large dark eyes',
        'hairless, dog-like form in later reports'
    ],
    ARRAY['latin-america', 'mexico', 'livestock', 'urban-legend', 'night'],
    'published',
    '2025-10-21 13:56:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-10-18 13:56:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000034',
    'skinwalker',
    'Skinwalker (Yee Naaldlooshii)',
    'shapeshifter',
    'Diné (Navajo) tradition',
    'American Southwest',
    'Traditional',
    'In Diné (Navajo) belief, yee naaldlooshii are people who have gained the power to take '
    'animal form through forbidden witchcraft. For many Diné the subject is serious and '
    'dangerous rather than entertainment, and it is not discussed casually or with '
    'outsiders. Popular culture has borrowed the name freely, often in ways that the '
    'community finds disrespectful. This entry is deliberately brief and points readers to '
    'Diné-authored sources.',
    5,
    ARRAY[
        'associated with forbidden witchcraft',
        'said to take animal form',
        'a sensitive cultural subject'
    ],
    ARRAY['shapeshifter', 'north-america', 'taboo', 'night', 'united-states'],
    'published',
    '2025-10-30 14:09:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-10-27 14:09:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000035',
    'will-o-the-wisp',
    'Will-o''-the-Wisp',
    'other',
    'England and northern Europe',
    'Marshes, bogs and fens',
    'Medieval onward',
    'A flickering light seen over marshes and bogs at night that retreats when followed, '
    'drawing travellers off the safe paths. Folk explanations included fairies, lost souls '
    'and spirits carrying lanterns, while scientists have proposed the spontaneous ignition '
    'of marsh gas. It goes by many names, including ignis fatuus (foolish fire), hinkypunk '
    'and jack-o''-lantern. In some regions a sighting foretold a death; in others it marked '
    'buried treasure.',
    2,
    ARRAY[
        'pale flickering light',
        'retreats when followed',
        'seen over marshes',
        'leads travellers astray'
    ],
    ARRAY['lights', 'marsh', 'water', 'england', 'omen', 'fire', 'treasure'],
    'published',
    '2025-11-08 15:22:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-11-05 15:22:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000036',
    'stingy-jack',
    'Stingy Jack (Jack o'' Lantern)',
    'other',
    'Ireland',
    'Roads and crossroads of rural Ireland',
    '18th-century folk tale',
    'An Irish drunkard and trickster who twice outwitted the Devil and made him promise '
    'never to claim his soul. When Jack died, Heaven would not have him and the Devil kept '
    'his word, sending him off into the dark with a single burning coal. Jack set it in a '
    'hollowed turnip and has wandered with it ever since. The tale explains the name '
    'jack-o''-lantern, and Irish emigrants carried the custom of carved lanterns to America, '
    'where pumpkins replaced turnips.',
    1,
    ARRAY[
        'carries an ember in a carved turnip',
        'wanders between worlds',
        'tricked the Devil',
        'seen as a drifting light'
    ],
    ARRAY['ireland', 'lights', 'fire', 'trickster', 'crossroads', 'halloween'],
    'published',
    '2025-11-17 09:35:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-11-14 09:35:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000037',
    'green-lady',
    'The Green Lady',
    'apparition',
    'Scotland',
    'Stirling Castle, Crathes Castle and other Scottish houses',
    '16th century onward',
    'Scotland has several Green Ladies, castle ghosts dressed in green silk. At Stirling '
    'Castle she is said to be a servant who saved Mary, Queen of Scots, from a fire, and her '
    'appearance is taken as a warning of fire or disaster. At Crathes Castle a Green Lady is '
    'seen crossing a room with a child in her arms, a story strengthened by the reported '
    'discovery of a child''s bones beneath the hearth. Like the Grey Lady, she is mourned '
    'rather than feared.',
    1,
    ARRAY['green silk gown', 'warns of fire', 'seen carrying a child', 'haunts Scottish castles'],
    ARRAY['scotland', 'castle', 'woman', 'omen', 'fire', 'child', 'royalty'],
    'published',
    '2025-11-26 10:48:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-11-23 10:48:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000038',
    'okiku',
    'Okiku of Banchō Sarayashiki',
    'wraith',
    'Japan',
    'Himeji Castle and the Banchō district of Edo (Tokyo)',
    'Edo period',
    'The ghost of a servant falsely accused of losing one of ten precious plates belonging '
    'to her master, then killed and thrown into a well. Each night she rises from the well '
    'and counts the plates, breaking into a shriek when she reaches nine. Hearing her count '
    'to the end was said to be fatal. Her story is one of Japan''s best-known ghost tales and '
    'is claimed by several places, including Himeji Castle.',
    3,
    ARRAY[
        'counts plates from a well',
        'shrieks at the number nine',
        'pale servant''s kimono',
        'long wet hair'
    ],
    ARRAY['japan', 'castle', 'water', 'woman', 'vengeful'],
    'published',
    '2025-12-05 11:01:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-12-02 11:01:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000039',
    'aswang',
    'The Aswang',
    'shapeshifter',
    'Philippines',
    'Rural villages of the Philippines, especially the Visayas',
    'Spanish colonial records onward',
    'An umbrella term in Philippine folklore for shapeshifting creatures that pass as '
    'ordinary villagers by day and hunt at night. Depending on the region an aswang may take '
    'the form of a black dog, a pig or a large bird, and it is feared above all by pregnant '
    'women. A long, thin tongue reaching through the roof to steal an unborn child is a '
    'recurring image. Garlic, salt and a whip made from a stingray''s tail are traditional '
    'protections.',
    5,
    ARRAY[
        'ordinary villager by day',
        'takes animal forms at night',
        'preys on the unborn',
        'warded off by garlic and salt'
    ],
    ARRAY['southeast-asia', 'shapeshifter', 'night', 'child', 'curse'],
    'published',
    '2025-12-14 12:14:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-12-11 12:14:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000040',
    'leshy',
    'The Leshy',
    'folk_spirit',
    'Russia and the Slavic world',
    'Deep forests of Eastern Europe',
    'Pre-Christian Slavic tradition',
    'The lord of the forest in Slavic folklore, able to grow as tall as the trees or shrink '
    'to the height of a blade of grass. He protects wild animals and leads travellers in '
    'circles until they are hopelessly lost. Wearing clothes inside out or putting shoes on '
    'the wrong feet was said to break his spell. Hunters and herders made bargains with him '
    'for good fortune.',
    2,
    ARRAY[
        'changes height at will',
        'leads travellers in circles',
        'clothes buttoned the wrong way',
        'guardian of forest animals'
    ],
    ARRAY['russia', 'slavic', 'forest', 'trickster', 'shapeshifter', 'protector'],
    'published',
    '2025-12-23 13:27:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-12-20 13:27:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000041',
    'dybbuk',
    'The Dybbuk',
    'spirit',
    'Ashkenazi Jewish folklore',
    'Towns and villages of Eastern Europe',
    '16th century onward',
    'In Ashkenazi Jewish folklore, a dislocated soul of the dead that clings to a living '
    'person and speaks through them. A dybbuk is often said to be fleeing punishment or '
    'trying to finish some business left undone in life. Exorcism was performed by a rabbi, '
    'sometimes before a minyan, who persuaded the spirit to leave. S. Ansky''s play ''The '
    'Dybbuk'', first staged in 1920, brought the tradition to the world stage.',
    4,
    ARRAY[
        'clings to a living person',
        'speaks in another voice',
        'driven out by ritual exorcism',
        'seeks to finish earthly business'
    ],
    ARRAY['europe', 'ritual', 'voice', 'romance'],
    'published',
    '2026-01-01 14:40:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-12-29 14:40:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000042',
    'bunyip',
    'The Bunyip',
    'cryptid',
    'Aboriginal Australia',
    'Billabongs, swamps and creeks of south-eastern Australia',
    'Traditional; colonial reports from the 1840s',
    'A large creature said to lurk in billabongs, swamps and riverbeds, known from the '
    'traditions of several Aboriginal peoples of south-eastern Australia. Descriptions vary '
    'widely, from a seal-like animal to a shaggy or horse-headed beast. Colonial settlers '
    'reported sightings and night-time bellowing throughout the nineteenth century, and the '
    'word entered Australian English. Some researchers suggest the stories preserve memories '
    'of extinct megafauna.',
    3,
    ARRAY[
        'bellows at night',
        'lives in billabongs',
        'drags prey underwater',
        'varied, uncertain appearance'
    ],
    ARRAY['water', 'australia', 'marsh', 'night'],
    'published',
    '2026-01-10 15:53:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2026-01-07 15:53:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000043',
    'bean-nighe',
    'The Bean Nighe',
    'banshee',
    'Scotland',
    'Lonely streams and fords of the Scottish Highlands',
    'Traditional',
    'The washer at the ford of Scottish Gaelic folklore, a small woman seen at a stream '
    'washing the grave clothes of someone who is soon to die. Some traditions say she is the '
    'spirit of a woman who died in childbirth and must wash until her natural lifespan runs '
    'out. A bold person who gets between her and the water may demand a wish or learn whose '
    'shroud she is washing. She is often said to have webbed feet.',
    3,
    ARRAY[
        'washes bloodstained clothes',
        'found at lonely fords',
        'foretells death',
        'grants wishes if caught'
    ],
    ARRAY['scotland', 'water', 'death-omen', 'omen', 'woman'],
    'published',
    '2026-01-19 09:06:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2026-01-16 09:06:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000044',
    'drummer-of-tedworth',
    'The Drummer of Tedworth',
    'poltergeist',
    'England',
    'Tidworth, Wiltshire',
    '1661-1663',
    'A disturbance in the house of the magistrate John Mompesson, who had confiscated the '
    'drum of a vagrant musician named William Drury. For months afterwards the family heard '
    'drumming at night, along with knocking, scratching and objects flying about. The '
    'clergyman Joseph Glanvill investigated and published the case as evidence for the '
    'spirit world. It is often cited as one of the earliest well-documented poltergeist '
    'reports in England.',
    2,
    ARRAY[
        'phantom drumming at night',
        'objects thrown about',
        'began after a drum was confiscated'
    ],
    ARRAY['england', 'house', 'investigation', 'curse'],
    'draft',
    NULL,
    '5eed0001-0000-4000-8000-000000000002',
    '2026-10-01 10:00:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000045',
    'el-silbon',
    'El Silbón',
    'wraith',
    'Venezuela and Colombia',
    'The Llanos plains',
    '19th century onward',
    'The Whistler of the Venezuelan and Colombian plains, a tall, gaunt wraith who carries a '
    'sack of his father''s bones. His whistle climbs the musical scale; when it sounds close '
    'he is far away, and when it sounds distant he is near. He is said to punish drunkards '
    'and womanisers. Folk remedies include the crack of a whip, the bark of a dog and the '
    'smell of hot pepper.',
    4,
    ARRAY[
        'whistles a rising scale',
        'carries a sack of bones',
        'unnaturally tall',
        'punishes drunkards'
    ],
    ARRAY['latin-america', 'vengeful', 'night', 'omen'],
    'draft',
    NULL,
    '5eed0001-0000-4000-8000-000000000002',
    '2026-10-02 10:00:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000046',
    'lincolns-ghost',
    'Lincoln''s Ghost',
    'apparition',
    'United States',
    'The White House, Washington, D.C.',
    '1865 onward',
    'Abraham Lincoln''s ghost is the presence most often reported in the White House. Staff, '
    'guests and visiting dignitaries claimed to hear footsteps or see a tall figure near the '
    'Lincoln Bedroom, with reports peaking in the 1930s and 1940s. Lincoln himself is said '
    'to have dreamed of his own funeral shortly before his assassination.',
    1,
    ARRAY[
        'heavy footsteps in the corridor',
        'tall figure by a window',
        'knocks on the Lincoln Bedroom door'
    ],
    ARRAY['united-states', 'house', 'omen'],
    'draft',
    NULL,
    '5eed0001-0000-4000-8000-000000000002',
    '2026-10-03 10:00:00+00'
),
(
    '5eed0002-0000-4000-8000-000000000047',
    'mackenzie-poltergeist',
    'The Mackenzie Poltergeist',
    'poltergeist',
    'Scotland',
    'Greyfriars Kirkyard, Edinburgh',
    '1999 onward',
    'A violent presence said to lurk in the Covenanters'' Prison section of Greyfriars '
    'Kirkyard, near the tomb of the seventeenth-century lord advocate George Mackenzie. '
    'Reports began in 1999, after a man reportedly broke into the tomb, and have included '
    'bruises, scratches and visitors fainting on ghost tours. It is tied to Mackenzie''s '
    'harsh persecution of the Covenanters. Sceptics point to suggestion and the atmosphere '
    'of the tours.',
    4,
    ARRAY[
        'bruises and scratches on visitors',
        'cold spots in the kirkyard',
        'linked to a disturbed tomb'
    ],
    ARRAY['scotland', 'cemetery', 'vengeful', 'investigation'],
    'draft',
    NULL,
    '5eed0001-0000-4000-8000-000000000002',
    '2026-10-04 10:00:00+00'
)
ON CONFLICT DO NOTHING;

-- 18 published stories and 2 drafts.
INSERT INTO stories (
    id, slug, title, summary, body, tags, reading_minutes, status, published_at, author_id,
    created_at
)
VALUES
(
    '5eed0003-0000-4000-8000-000000000001',
    'the-woman-at-the-river',
    'The Woman at the River',
    'A night-shift nurse driving home along a Texas river road stops for a woman in white '
    'who is searching the water. By morning she understands why her grandmother never let '
    'her play by the river after dark.',
    E'Marisol had driven the river road a hundred times after her shift at the county '
    'hospital, always with the windows down and the radio low. That night in late October '
    'the radio kept slipping into static, and the air coming off the water smelled of mud '
    'and crushed reeds. Where the road bent close to the bank she saw a woman standing in '
    'the shallows, her white dress dark to the knees, bending and straightening as if she '
    'were feeling for something beneath the surface.\n\n'
    'Marisol pulled onto the gravel and called out to ask whether she needed help. The woman '
    'did not turn. She only made a sound, low at first and then rising, a cry that seemed to '
    'come from everywhere along the river at once. Marisol would later say it was not the '
    'loudness that frightened her but the grief in it, a grief so large that it left no room '
    'in the air for anything else.\n\n'
    'Then the cry faded, and when it came again it was thin and far away, somewhere down '
    'past the railway bridge. Marisol felt a cold prickle at the back of her neck, because '
    'she remembered what her grandmother used to say: when the Weeping Woman sounds far off, '
    'she is standing right beside you. She did not look to her left. She got back into the '
    'car, locked the doors and drove with both hands on the wheel until the lights of town '
    'rose over the hill.\n\n'
    'In the morning she phoned her grandmother, who listened without interrupting and then '
    'asked only one question: had she answered when the woman called out for her children? '
    'Marisol said no. ''Good,'' her grandmother said. ''Then she is still looking.'' Marisol '
    'takes the highway home now, even though it adds twenty minutes, and she has never once '
    'regretted the extra miles.',
    ARRAY['water', 'woman-in-white', 'weeping', 'mexico', 'united-states'],
    7,
    'published',
    '2025-03-03 16:00:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-02-26 16:00:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000002',
    'three-names-in-the-mirror',
    'Three Names in the Mirror',
    'Four friends at a birthday sleepover dare each other to call Bloody Mary in a candlelit '
    'bathroom. Only one of them stays in front of the glass long enough to see what answers.',
    E'It was Dana''s thirteenth birthday, and by midnight the pizza was gone and the scary '
    'stories had run dry. Kelsey, who had moved from Osaka the year before, told them about '
    'Hanako-san, the girl who answers from the third stall of the school toilet, and that '
    'was what gave Dana the idea. If Japanese schools had a ghost in the bathroom, she said, '
    'then so did they. All you had to do was ask for her properly.\n\n'
    'They crowded into the upstairs bathroom with a single tea light on the edge of the '
    'sink. The rules, as Dana explained them, were simple: lights off, door shut, face the '
    'mirror and say her name three times. Two of the girls lost their nerve at the first '
    '''Bloody Mary'' and fled giggling into the hallway. Kelsey made it to the second before '
    'she grabbed the door handle. Dana, determined not to lose her own birthday dare, said '
    'the name a third time to an empty room.\n\n'
    'For a long moment there was nothing in the glass but her own pale face and the '
    'shivering candle. Then the flame leaned sideways, although the window was shut, and the '
    'reflection behind her shoulder looked wrong, as if the bathroom in the mirror were '
    'deeper than the real one. Something in that deeper room was moving toward the glass. '
    'Dana said afterwards that it had no clear face, only long wet hair and a dark streak '
    'where a mouth should be.\n\n'
    'She slapped the light switch so hard she bruised her palm. The bathroom was ordinary '
    'again, the candle burning straight, her friends hammering on the door. Nobody believed '
    'her, and by breakfast even Dana half believed she had imagined it. But that morning she '
    'found three thin scratches across the back of her hand, parallel and shallow, and she '
    'has never liked to look into a mirror in the dark since.',
    ARRAY['mirror', 'ritual', 'urban-legend', 'child', 'united-states'],
    5,
    'published',
    '2025-03-26 17:07:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-03-21 17:07:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000003',
    'last-dance-on-archer-avenue',
    'Last Dance on Archer Avenue',
    'In 1939 a young man offers a quiet girl in a white dress a ride home from a ballroom '
    'dance. She asks him to stop at the cemetery gates.',
    E'Jerry always said she was the best dancer in the hall that night, a fair-haired girl in '
    'a white dress who barely spoke but never missed a step. Her hand, when he took it, was '
    'as cold as river stone, and when he kissed her cheek near the end of the evening her '
    'skin felt like a window in January. He assumed she had just come in out of the cold. '
    'She asked whether he would drive her home, and he was glad to.\n\n'
    'She directed him south along Archer Avenue, saying little, watching the dark fields go '
    'by. As they approached the gates of Resurrection Cemetery she asked him to pull over. '
    'He tried to tell her there was nothing there but graves, that he would gladly take her '
    'right to her door, but she was already out of the car. He watched her cross the road '
    'toward the gates, and then he was watching nothing at all.\n\n'
    'The next day, the story goes, he went to the address she had given him. A woman '
    'answered, listened to him describe the girl, and then showed him a photograph on the '
    'mantelpiece. It was her daughter, she said, and she had been dead for several years. '
    'Whether or not that visit happened as he told it, Jerry repeated the account for the '
    'rest of his life, and he never changed the details.\n\n'
    'Folklorists place Mary in a long line of white-clad women who haunt roads and bridges, '
    'from the White Ladies of old Europe to the vanishing hitchhikers of American highways. '
    'What sets her apart is how stubbornly local she is. Drivers on Archer Avenue still '
    'report a girl in white stepping into their headlights, or sitting in the back seat when '
    'they glance in the mirror. Some leave flowers at the cemetery gates, just in case.',
    ARRAY['highway', 'hitchhiker', 'woman-in-white', 'united-states', 'cemetery', 'romance'],
    6,
    'published',
    '2025-04-18 18:14:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-04-13 18:14:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000004',
    'the-keening-before-the-wake',
    'The Keening Before the Wake',
    'On a wet night in County Clare, a farming family hears a cry outside that the oldest '
    'among them recognises at once. The grandmother''s account is still repeated at every '
    'family wake.',
    E'My grandmother Nora was nineteen the winter the cry came to the farm outside '
    'Ennistymon. She was mending by the fire when the dog lifted its head and whimpered, and '
    'a moment later they all heard it: a long, rising keen, like a woman grieving at a '
    'graveside, drifting in from the dark beyond the yard. Her mother set the kettle down '
    'very slowly. Her father blessed himself. Nobody went to the door.\n\n'
    'The sound circled the house three times. Nora said it was not frightening so much as '
    'unbearably sad, as though whoever made it already knew what was coming and was sorry '
    'for all of them. Her grandfather, who was eighty-seven and had been failing since the '
    'harvest, sat up in the settle bed and said, quite clearly, ''That''ll be for me, so.'' '
    'Then he asked for his pipe.\n\n'
    'He died before dawn. In the morning Nora''s uncle walked out to the gate and found a '
    'single long grey hair caught in the whitethorn, and marks in the mud by the wall that '
    'might have been the teeth of a comb. He buried the hair under the thorn without a word. '
    'The family had always said the bean si followed the O''Briens, and her grandfather''s '
    'mother had been an O''Brien.\n\n'
    'Nora told the story at every wake for sixty years, and she was careful to draw a line '
    'between the banshee and the darker creatures of the old tales. The Scottish cousins, '
    'she said, had their washer at the ford, scrubbing shrouds in a stream, and there were '
    'parts of Ireland where people feared the headless rider who reins in his horse and '
    'calls your name. But the woman who keened outside their door did no harm. ''She only '
    'comes,'' Nora would say, ''so that you''ll not be alone when you hear.''',
    ARRAY['ireland', 'omen', 'death-omen', 'weeping', 'family'],
    8,
    'published',
    '2025-05-11 19:21:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-05-06 19:21:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000005',
    'a-sail-off-the-cape',
    'A Sail off the Cape',
    'A junior officer on a steam cruiser keeps a strange entry in his logbook after his '
    'watch sights a glowing ship where no ship should be.',
    E'The watch had been quiet since midnight, the cruiser rolling in a long swell south of '
    'the Cape and the stars hidden behind low cloud. At a quarter to four the lookout called '
    'down that there was a light off the port bow, and the young officer of the watch raised '
    'his glass expecting a fishing boat. What he saw instead was a full-rigged ship, '
    'old-fashioned even by his grandfather''s standards, with every mast and spar washed in a '
    'pale red glow.\n\n'
    'She was sailing hard into the wind, which was impossible, and throwing no spray at all. '
    'The officer counted thirteen men on deck who saw her, and for perhaps half a minute '
    'nobody said anything. Then the glow went out as if someone had shuttered a lantern, and '
    'there was only black water where she had been. When the sun came up there was no sail '
    'anywhere on the horizon, and the sea was empty for miles.\n\n'
    'The officer wrote the sighting into the log in careful, neutral language, as though '
    'recording a change in the weather. Later on that voyage the lookout who had first '
    'reported the ship fell from the rigging and was killed. The older hands were not '
    'surprised. Everyone who has sailed those waters knows the story of the Dutch captain '
    'who swore he would round the Cape if it took him until Judgement Day, and who is taking '
    'exactly that long.\n\n'
    'Sailors keep many rules about her. Never accept letters from a boat she sends across, '
    'for they are addressed to people long dead, and whoever carries them shares the ship''s '
    'luck. Never mock her name. And if you see her, write it down plainly and go about your '
    'work, because she has been sighted for three hundred years and the sea has not yet run '
    'out of ships to warn.',
    ARRAY['ship', 'sea', 'omen', 'curse', 'water'],
    6,
    'published',
    '2025-06-03 20:28:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-05-29 20:28:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000006',
    'the-staircase-photograph',
    'The Staircase Photograph',
    'Two magazine photographers at a Norfolk country house catch something on the grand '
    'staircase in 1936. Decades of argument have not settled what it was.',
    E'The job was routine: a feature on the interiors of Raynham Hall for a glossy magazine, '
    'a day of tripods, cables and long exposures in rooms that had changed little in two '
    'centuries. Late in the afternoon the photographer was lining up a shot of the oak '
    'staircase when his assistant suddenly told him to take the picture, quickly. He saw '
    'nothing on the stairs, but he opened the shutter anyway.\n\n'
    'The assistant insisted that a pale, veiled figure had been gliding down toward them, '
    'and when the plate was developed there was indeed a shape on the stairs: tall, '
    'translucent, wrapped in something like a long gown, apparently descending. The family '
    'had known of the Brown Lady for generations. She was said to be Dorothy Walpole, who '
    'died in the house in 1726, and guests had reported meeting her in the corridors for a '
    'century before the camera arrived.\n\n'
    'The photograph drew sceptics almost at once. Some argued that it was a double exposure '
    'or a smear of grease on the lens; others suggested that an image of a statue had been '
    'superimposed. The photographers denied any trickery, and the picture has been reprinted '
    'so many times that for many people it simply is what a ghost looks like.\n\n'
    'Britain is full of grieving ladies in coloured gowns, grey, green and white, who haunt '
    'the houses where they suffered. What sets the Brown Lady apart is not her story but the '
    'evidence, or what looks like evidence. Stand at the foot of that staircase, say the '
    'people who have, and you cannot help looking up.',
    ARRAY['england', 'house', 'woman', 'photograph', 'investigation'],
    5,
    'published',
    '2025-06-26 16:35:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-06-21 16:35:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000007',
    'the-voice-in-the-walls',
    'The Voice in the Walls',
    'The Bell family''s ordeal on the Tennessee frontier, retold as a neighbour might have '
    'remembered it.',
    E'It began, as these things do, with small sounds. John Bell heard gnawing at the '
    'bedposts at night and scratching on the outside walls of the log house, and assumed '
    'there were rats. Then the covers began to slide off the children''s beds, and something '
    'unseen pulled at their hair. By the time the neighbours were invited in to witness it, '
    'the knocking had become something else: a whisper, and then a voice.\n\n'
    'The voice had opinions. It quoted scripture word for word, repeated the sermons of two '
    'preachers who had spoken miles apart on the same Sunday, and sang hymns in a thin, '
    'sweet tone. It was tender toward Lucy Bell, John''s wife, and cruel to their daughter '
    'Betsy, whom it slapped until her cheeks burned. When visitors asked what it was, it '
    'gave a different answer every time, but it answered most often to the name Kate.\n\n'
    'To John Bell it was never anything but hateful. It promised to kill him, and his health '
    'failed over the next three years, with twitching in his face and a swelling in his '
    'throat. In December 1820 he was found in a stupor, and a small vial of dark liquid '
    'stood on the shelf where his medicine should have been. The family gave a drop of it to '
    'the cat, which died. John Bell died the next morning, and the voice sang at his '
    'funeral.\n\n'
    'The entity took its leave in 1821, promising to return in seven years, and people in '
    'Adams still argue about whether it kept that promise. Later investigators, from '
    'Victorian psychical researchers to the team who sat with two sisters in Enfield a '
    'century and a half later, have circled the same questions: why this house, why this '
    'family, and why a young girl at the centre of it all. The Bell case has no tidy answer, '
    'which may be why it has never stopped being told.',
    ARRAY['house', 'voice', 'curse', 'united-states', 'family'],
    10,
    'published',
    '2025-07-19 17:42:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-07-14 17:42:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000008',
    'the-bridge-at-sleepy-hollow',
    'The Bridge at Sleepy Hollow',
    'A schoolmaster riding home late through the hollow hears hooves behind him, and '
    'remembers too late what everyone said about the church bridge.',
    E'The party at the Van Tassel farm had run late, and the schoolmaster set out for home on '
    'a borrowed plough horse well after midnight. The road through the hollow was black '
    'under the trees, and every rustle in the brush sounded like a footstep. He hummed a '
    'psalm to keep up his courage and tried not to think about the stories the farmers had '
    'traded by the fire all evening: the Hessian trooper, the cannonball, the head that was '
    'never found.\n\n'
    'Near the swamp he became aware of a rider keeping pace behind him, huge and silent on a '
    'great black horse. When he slowed, the rider slowed. When he kicked the old horse into '
    'a trot, the hooves behind him quickened too. Only when they topped a rise and the '
    'stranger was outlined against the sky did he see that the shoulders ended in nothing, '
    'and that the rider carried something round on the pommel of his saddle.\n\n'
    'After that there was no more thought, only flight. The plough horse bolted, the '
    'schoolmaster clinging to its mane, and the horseman thundered after them down toward '
    'the church. Everyone in the hollow knew that the ghost could not cross the bridge by '
    'the churchyard, and the schoolmaster fixed his mind on that bridge as a drowning man '
    'fixes on a rope. He heard the hooves drum on the planks behind him, turned in the '
    'saddle, and saw the rider rise in his stirrups and hurl his head.\n\n'
    'In the morning they found the borrowed horse grazing by the farm gate, a trampled hat '
    'near the bridge and, a little way off, a shattered pumpkin. The schoolmaster was never '
    'seen in the hollow again. Washington Irving set the tale down in 1820, and readers have '
    'long noticed how much his rider owes to older headless huntsmen, from German ballads to '
    'the Irish Dullahan, who carries his own head and calls the names of the dying.',
    ARRAY['headless', 'horse', 'bridge', 'united-states', 'cemetery'],
    7,
    'published',
    '2025-08-11 18:49:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-08-06 18:49:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000009',
    'the-dog-in-the-storm',
    'The Dog in the Storm',
    'On a Sunday morning in August 1577 a violent storm breaks over a Suffolk church, and '
    'the congregation sees something come in with the lightning.',
    E'The morning service at St Mary''s in Bungay had barely begun when the sky over the '
    'Waveney valley went as dark as evening. Rain hammered the roof, thunder shook the '
    'windows in their leads, and the candles guttered in a wind that seemed to rise from '
    'inside the church itself. The parishioners drew together in the pews, and some of them '
    'began to pray aloud.\n\n'
    'Then, according to a pamphlet printed soon afterwards, a great black dog appeared among '
    'them, lit by flashes of fire. It ran down the body of the church between the kneeling '
    'people, and two of them, caught as it passed, died where they knelt. Another was so '
    'shrivelled by its touch that he was said to look like a drawn purse, though he lived. '
    'The dog was gone as quickly as it had come.\n\n'
    'The same storm struck Holy Trinity at Blythburgh, a dozen miles away, where the spire '
    'crashed through the roof and more worshippers died. There, too, people spoke of a black '
    'hound, and scorch marks on the church''s north door are still shown to visitors as the '
    'marks of its claws. The villagers had long known the dog as Shuck, and they knew what '
    'it meant to meet him on a lonely road.\n\n'
    'Historians point out that a lightning strike during a crowded service could explain '
    'every death and every burn. But the people of East Anglia never needed the storm to '
    'believe in him. For centuries afterwards travellers swore to a dog padding beside them '
    'on the coast roads, eyes like embers, and many were said not to have lived out the '
    'year. Bungay eventually put him on its town sign, as if to say that what you cannot be '
    'rid of, you may as well claim.',
    ARRAY['hound', 'england', 'storm', 'church', 'death-omen'],
    6,
    'published',
    '2025-09-03 19:56:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-08-29 19:56:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000010',
    'snow-on-the-ferrymans-hut',
    'Snow on the Ferryman''s Hut',
    'Two woodcutters take shelter from a blizzard in an empty ferryman''s hut. Only the '
    'younger survives the night, and he is made to promise something.',
    E'The river had frozen at its edges and the ferryman had gone home, so the old woodcutter '
    'Mosaku and his young apprentice Minokichi crawled into the empty ferry hut to wait out '
    'the storm. There was no fire, only straw and their own coats. Mosaku fell asleep almost '
    'at once. Minokichi lay listening to the wind batter the walls until the cold numbed him '
    'into a doze.\n\n'
    'He woke with snow blowing in his face. The door stood open, and in the pale light off '
    'the snow a woman in white was kneeling over Mosaku, breathing on him. Her breath was a '
    'bright white smoke, and where it touched the old man his face stiffened and went still. '
    'Then she turned and bent over Minokichi. She was very beautiful, and her eyes were the '
    'most frightening thing he had ever seen.\n\n'
    '''I meant to treat you as I treated him,'' she said, ''but you are young, and I pity you. '
    'If you ever tell anyone what you saw tonight, even your own mother, I will know it, and '
    'I will kill you.'' Then she was gone, and in the morning the ferryman found Mosaku '
    'frozen dead and the boy barely breathing.\n\n'
    'A year later Minokichi met a slender girl named O-Yuki on the road, married her, and '
    'raised ten children with her, and the villagers marvelled that she never seemed to grow '
    'older. One winter night, watching her sew by lamplight, he told her about the woman in '
    'the ferry hut, because she reminded him of her.\n\n'
    'O-Yuki put down her sewing. ''It was I,'' she said, ''and I told you what would happen.'' '
    'She spared him for the sake of the children, but as she spoke she melted into a white '
    'mist that drifted up through the smoke-hole, and he never saw her again.',
    ARRAY['japan', 'winter', 'woman-in-white', 'yokai', 'romance'],
    9,
    'published',
    '2025-09-26 20:03:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-09-21 20:03:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000011',
    'the-woman-in-the-mask',
    'The Woman in the Mask',
    'In the spring of 1979 a rumour spreads through the schools of central Japan faster than '
    'any teacher can stop it. A former pupil remembers the weeks when nobody walked home '
    'alone.',
    E'I was ten the spring the slit-mouthed woman came to our town. Nobody I knew had seen '
    'her, but everyone knew someone who had: a cousin''s classmate, a boy from the next '
    'school, a girl who had run home crying and would not say why. She wore a long coat and '
    'a white gauze mask, the kind people wear for a cold, and she waited at corners near the '
    'schools as the afternoon light failed.\n\n'
    'The rules spread faster than the sightings. She would ask whether you thought she was '
    'pretty. If you said no, she killed you with the scissors she carried. If you said yes, '
    'she pulled down the mask to show a mouth slit open from ear to ear and asked again. The '
    'only safe answers were to call her average, or to ask her a question back, or to throw '
    'her a handful of hard candy and run while she picked it up.\n\n'
    'Our teachers began sending us home in groups, and some parents waited at the school '
    'gate in their work clothes. My friends and I carried boiled sweets in our pockets for '
    'weeks. At school we still dared each other to knock on the third stall of the girls'' '
    'toilet and call for Hanako-san, but that was a game, and this did not feel like a game. '
    'Even the older boys walked fast when the shadows grew long.\n\n'
    'By summer the panic had faded, and the newspapers that had reported it moved on. '
    'Folklorists later traced the slit-mouthed woman to much older stories of vengeful '
    'spirits and wronged wives. I know all that now. But every spring I still keep a '
    'paper-wrapped sweet in my coat pocket, out of a habit that feels too much like respect '
    'to break.',
    ARRAY['japan', 'urban-legend', 'school', 'child', 'yokai'],
    6,
    'published',
    '2025-10-19 16:10:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-10-14 16:10:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000012',
    'the-thirteenth-child',
    'The Thirteenth Child',
    'A stormy night in the Pine Barrens, an exhausted mother, and a curse spoken in a moment '
    'she would regret for the rest of her life.',
    E'Mother Leeds had borne twelve children in the little house at Leeds Point, and when she '
    'found she was carrying a thirteenth she is supposed to have said, in a moment of '
    'exhaustion, that this one might as well be the Devil''s. The Pine Barrens are a place '
    'where words carry. The neighbours remembered it afterwards.\n\n'
    'The baby came on a wild night in 1735, with the midwives gathered round the bed. At '
    'first, the story goes, it was an ordinary child. Then, before their eyes, it changed: '
    'it lengthened and darkened, grew a horse''s head and leathery wings, split its feet into '
    'hooves, and let out a scream that shook the windows. It lashed at the women with a '
    'forked tail, beat its wings, and went up the chimney into the storm.\n\n'
    'For a century and more afterwards the creature was blamed for slaughtered livestock, '
    'soured milk and strange screams in the cedar swamps. Then, in the third week of January '
    '1909, the sightings came all at once: hoofprints across snowy rooftops in dozens of '
    'towns, reports of a winged beast from Camden to Trenton, and schools and mills closing '
    'while posses searched the woods.\n\n'
    'No bones were ever found, and the 1909 scare sold more newspapers than the creature '
    'ever killed sheep. But the Pine Barrens are a million acres of sand road and dark '
    'water, and the people who live there tend to be careful about what they say they do not '
    'believe. Some will still tell you that if you hear a scream out there that is not an '
    'owl and not a fox, you should not go looking for it.',
    ARRAY['forest', 'united-states', 'winged', 'curse', 'child'],
    5,
    'published',
    '2025-11-11 17:17:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-11-06 17:17:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000013',
    'red-eyes-over-point-pleasant',
    'Red Eyes over Point Pleasant',
    'Two young couples driving past an old munitions plant in November 1966 see something '
    'stand up in their headlights. Thirteen months later, the town loses its bridge.',
    E'It was close to midnight on 15 November 1966 when the two couples turned onto the road '
    'past the old TNT plant north of Point Pleasant. The abandoned bunkers were a favourite '
    'place for young people to park, and the headlights swept over concrete domes and weeds '
    'as they always did. Then the lights picked out a shape near the old generator building: '
    'a figure taller than a man, grey, with folded wings and two round red eyes that glowed '
    'like bicycle reflectors.\n\n'
    'They drove away as fast as the car would go, and they swore later that the thing spread '
    'its wings and followed them, keeping pace at a hundred miles an hour without seeming to '
    'flap. They went straight to the sheriff''s office. Within days the local paper had given '
    'the creature a name borrowed from a television villain, and the sightings multiplied '
    'through the winter.\n\n'
    'For a year Point Pleasant lived with its monster. People reported the red eyes on back '
    'roads and in the fields along the river, and some spoke of strange lights and odd '
    'visitors. Then, on 15 December 1967, the Silver Bridge over the Ohio River collapsed in '
    'the evening rush hour, and forty-six people died. Almost overnight the story changed '
    'shape: perhaps the creature had never been a threat at all, but a warning.\n\n'
    'Investigators traced the collapse to a single cracked eyebar, a flaw in a piece of '
    'steel no longer than a man. Naturalists suggested the witnesses had seen a sandhill '
    'crane far from home in bad light. Point Pleasant listened politely and built a '
    'stainless-steel statue anyway. Every September the town holds a festival in its honour, '
    'and some visitors still drive up to the TNT area after dark to watch for two red '
    'lights.',
    ARRAY['united-states', 'winged', 'omen', 'bridge'],
    8,
    'published',
    '2025-12-04 18:24:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-11-29 18:24:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000014',
    'the-gray-man-walks-the-beach',
    'The Gray Man Walks the Beach',
    'A family renting a cottage on Pawleys Island meets a polite stranger on the dunes the '
    'day before a hurricane turns toward the coast.',
    E'The Hendersons had rented the same cottage on Pawleys Island every September for years, '
    'and they had grown used to storm warnings that came and went on the radio. That '
    'afternoon the sky was a flat, metallic grey and the sea had a heavy look to it, but the '
    'forecasts still had the hurricane tracking well out to sea. Ruth Henderson went down to '
    'the beach alone to walk before supper.\n\n'
    'She noticed the man because he was dressed wrong for the weather: a long grey coat and '
    'a grey cap, the kind of clothes her grandfather might have worn. He was walking along '
    'the tide line toward her, and as they passed he touched his cap and said, quite gently, '
    'that it would be best to leave the island tonight. She turned to ask what he meant. The '
    'beach behind her was empty for half a mile, and there were no footprints in the wet '
    'sand but her own.\n\n'
    'Ruth was not a superstitious woman, but she had heard the island stories about the Gray '
    'Man, who walks the dunes before the great storms. She went straight back to the cottage '
    'and told her husband they were packing. He argued, but not for long. By midnight they '
    'were inland, and before dawn the hurricane had turned toward the coast.\n\n'
    'When they came back three days later the island looked as if it had been shaken in a '
    'giant''s fist. Porches were gone, dunes had moved and boats lay in the road. Their own '
    'rented cottage stood untouched, down to the wind chime on the porch. The owners were '
    'not surprised. People on Pawleys will tell you that the Gray Man has kept watch for '
    'nearly two centuries, and that the only thing he has ever asked of anyone is to listen.',
    ARRAY['united-states', 'sea', 'storm', 'omen', 'protector'],
    5,
    'published',
    '2025-12-27 19:31:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2025-12-22 19:31:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000015',
    'the-queen-on-tower-green',
    'The Queen on Tower Green',
    'A Victorian sentry at the Tower of London faces a court-martial for sleeping at his '
    'post. His defence is that he met a queen.',
    E'The sentry''s post faced the King''s House, close by the green where, more than three '
    'centuries earlier, a swordsman had been brought over from France to end a queen''s life '
    'with a single stroke. It was a cold night in 1864, and the soldier''s breath hung in the '
    'lamplight. Toward two in the morning, he said afterwards, a white figure came out of '
    'the darkness toward him, and as it came closer he saw that it had no head.\n\n'
    'He challenged it as he had been trained to do. It did not stop. He lunged with his '
    'bayonet, and the blade passed through the figure as though through fog, and a shock ran '
    'up the rifle into his arms. The next thing he knew, the officer of the guard was '
    'standing over him, he was lying on the ground, and the charge against him was sleeping '
    'on duty.\n\n'
    'At the court-martial, witnesses came forward. Another soldier and an officer swore they '
    'had seen the same figure that night from a window overlooking the green, a pale shape '
    'that approached the sentry and passed straight through him. The man was acquitted. It '
    'was widely understood, though never officially stated, that he had met Anne Boleyn.\n\n'
    'Anne lies in the Chapel of St Peter ad Vincula beside the green, and she is said to '
    'walk there still, sometimes alone and sometimes leading a solemn procession down the '
    'aisle. In Norfolk, at her family home of Blickling Hall, she is said to arrive each '
    'year on the anniversary of her death in a coach drawn by headless horses, her head in '
    'her lap. Like many of England''s noble ghosts, from the Brown Lady on her staircase to '
    'the grey ladies of a hundred manor houses, she seems less to haunt than to remember.',
    ARRAY['england', 'castle', 'headless', 'royalty', 'woman'],
    7,
    'published',
    '2026-01-19 20:38:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2026-01-14 20:38:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000016',
    'the-horse-by-the-loch',
    'The Horse by the Loch',
    'Seven children find a beautiful grey horse grazing beside a Highland loch. Only one of '
    'them is wise enough to stay on the bank.',
    E'It was a bright Sunday afternoon and the children should have been at home, but the '
    'loch was shining, the heather was warm, and no grown-up was watching. On the shingle by '
    'the water they found a horse grazing, a grey mare so sleek that her coat seemed to '
    'ripple like water in the sun. She lifted her head as they came near and let them stroke '
    'her nose. She had no bridle and no owner in sight.\n\n'
    'The oldest boy climbed onto her back, then his brother, then the girls, each pulling up '
    'the next. The mare stood patiently and seemed to grow a little longer with every child '
    'who climbed aboard, until there was room for six. Only the youngest, a boy called Euan, '
    'hung back. He had put out a finger to touch her flank and found it stuck fast, as if to '
    'tar, and when he tore it free he left a layer of skin behind.\n\n'
    'He shouted to the others to jump, but they could not: their hands and legs were held '
    'fast to the horse''s hide. The mare gave a scream that was no horse''s scream, wheeled '
    'about, and plunged into the deep water of the loch with the children on her back. The '
    'surface closed over them. After a while a few tangled strands of weed floated up, and '
    'nothing else.\n\n'
    'Versions of this story are told beside many Scottish lochs, and the lesson is always '
    'the same: a horse standing alone by the water, saddled or bare, is not a gift. The sea '
    'held worse things, the old people said, like the skinless Nuckelavee of Orkney, but a '
    'kelpie does not need to be hideous. It only needs to be beautiful, and patient, and '
    'close to deep water.',
    ARRAY['scotland', 'water', 'horse', 'shapeshifter', 'child'],
    5,
    'published',
    '2026-02-11 16:45:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2026-02-06 16:45:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000017',
    'what-the-stove-spirit-wants',
    'What the Stove Spirit Wants',
    'A young couple moves into an old village house in the Russian countryside, and the '
    'grandmother next door insists on teaching them the house''s manners.',
    E'The house had stood empty for three winters when Anya and Pavel bought it, and the '
    'first week was a catalogue of small irritations. Pans fell from their hooks in the '
    'night. Pavel''s keys vanished from the table and turned up in his boots. There was a '
    'soft thumping behind the big tiled stove, like someone turning over in bed, and the cat '
    'refused to sleep anywhere near it.\n\n'
    'Baba Zina from next door listened to all of this over tea and shook her head. ''You '
    'didn''t invite him,'' she said. ''The old owners went off to the city and left him behind, '
    'and then strangers moved in and didn''t even say good evening.'' She meant the domovoi, '
    'the master of the house, who lives behind the stove and watches over the household, and '
    'who sulks like an old man when he is ignored.\n\n'
    'So that evening, feeling foolish, Anya set a saucer of milk and a heel of bread beside '
    'the stove and said aloud that they were glad to share the house and hoped he would '
    'stay. Pavel swept the floor and finally mended the loose step he had been putting off. '
    'Baba Zina came over to make sure they said it properly, and added a pinch of salt to '
    'the bread for good measure.\n\n'
    'The thumping stopped that night. The keys stayed where they were put, and the cat took '
    'up permanent residence on the warm ledge of the stove. Baba Zina was pleased but not '
    'surprised, and she took the opportunity to pass on the rest of the village''s advice: '
    'wear your shirt inside out if you get lost in the forest, so that the leshy loses '
    'interest in you; stay away from the river in Rusalka Week; and never, ever move house '
    'without inviting the domovoi to come along.',
    ARRAY['russia', 'slavic', 'household', 'house', 'protector'],
    8,
    'published',
    '2026-03-06 17:52:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2026-03-01 17:52:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000018',
    'the-plates-in-the-well',
    'The Plates in the Well',
    'A servant girl is blamed for a missing heirloom plate and pays with her life. Every '
    'night afterwards, someone counts in the castle well.',
    E'Okiku served in the household of a samurai retainer, and among her duties was the care '
    'of ten porcelain plates, a treasured gift that it was death to damage. Her master had '
    'long wanted her, and she had long refused him. So he hid one of the plates and then '
    'called her to account for the set.\n\n'
    'She counted them for him, once and then again, each time with mounting terror: one, '
    'two, three, four, five, six, seven, eight, nine. The tenth was gone. He offered to '
    'overlook the loss if she became his mistress, and when she refused once more he had her '
    'beaten, bound and thrown into the well in the castle garden.\n\n'
    'That night the household heard a voice rising from the well, soft and mournful, '
    'counting: one plate, two plates, three plates, all the way to nine, and then a terrible '
    'wail. It came back every night. Those who listened to the very end fell ill, and some '
    'of them died. The retainer''s fortunes collapsed, and in some tellings Okiku''s ghost '
    'drove him mad.\n\n'
    'A priest is said to have finally put her to rest by waiting beside the well and, as she '
    'reached nine, calling out ''Ten!'' so that her count was complete at last. Several places '
    'in Japan claim her well, and the one inside Himeji Castle still draws visitors, who '
    'lean over its grille and listen, just in case.',
    ARRAY['japan', 'castle', 'water', 'vengeful', 'woman'],
    4,
    'published',
    '2026-03-29 18:59:00+00',
    '5eed0001-0000-4000-8000-000000000002',
    '2026-03-24 18:59:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000019',
    'the-lights-on-the-marsh',
    'The Lights on the Marsh',
    'A Fenland eel-catcher follows a light he takes for a neighbour''s lantern, and learns '
    'why his father never crossed the marsh after dark.',
    E'Tom Wragg had fished eels on the fen all his life, and he knew the firm paths across '
    'the marsh the way other men know the streets of their town. But fog came up thick that '
    'November evening before he was halfway home, and once the daylight had gone he could '
    'barely see his own boots. When he saw a lantern bobbing a little way off the path, he '
    'called out, glad of company, and followed it.\n\n'
    'The lantern kept just ahead of him, never nearer and never farther. It drifted left, '
    'and he drifted left; it dipped as though its bearer had stepped down a bank, and he '
    'stepped down too, and found himself knee-deep in cold black water. He called again, and '
    'the light flickered, swelled and went out. When it reappeared it was behind him, low '
    'over the reeds, pale blue now and not a lantern at all.\n\n'
    'Tom stood still in the water and did the one thing his father had always told him to '
    'do: he turned his coat inside out, and then he waited. He waited until the fog began to '
    'lift and a church bell rang somewhere for morning, and then he waded back the way he '
    'had come, step by step, until his feet found the path.\n\n'
    'Scientists speak of marsh gas kindling over rotting reeds. Tom''s neighbours spoke of '
    'Jack o'' Lantern, the Irish trickster who cheated the Devil and was left to wander with '
    'one coal in a turnip, and of the lost souls of the fen. Tom never said what he '
    'believed. But he never again followed a light on the marsh, and he told his sons never '
    'to do it either.',
    ARRAY['lights', 'marsh', 'england', 'fire', 'omen'],
    4,
    'draft',
    NULL,
    '5eed0001-0000-4000-8000-000000000002',
    '2026-10-20 15:00:00+00'
),
(
    '5eed0003-0000-4000-8000-000000000020',
    'a-stranger-at-the-mound',
    'A Stranger at the Mound',
    'An Icelandic farm has lost shepherd after shepherd to the thing under the cairn. A '
    'wandering strongman offers to sit up for it.',
    E'Nobody would take the shepherd''s post at the farm in the valley. The last shepherd, a '
    'surly stranger named Glámr, had been found dead in the snow one Yule morning and buried '
    'under a heap of stones at the edge of the home field, and he had not stayed there. The '
    'herdsman who came after him was found with his neck broken. After that there were '
    'footsteps on the roof at night, and the horses in the stable were found ridden half to '
    'death.\n\n'
    'The thing under the cairn was a draugr, a dead man who would not stay dead. It was '
    'swollen and dark as a corpse left in a bog, far heavier and stronger than any living '
    'man, and its eyes held a light that could curse whoever met its gaze. It wanted nothing '
    'from the living but their warmth and their ruin, and the valley emptied around it '
    'through the long winter.\n\n'
    'Then a wanderer named Grettir came to the farm, a man famous for his strength and his '
    'bad luck, and offered to sit up for the ghost. He lay in the hall wrapped in a cloak, '
    'and at midnight the draugr came in, so tall that its head brushed the rafters. They '
    'wrestled until the beams cracked and the benches splintered, and at last they crashed '
    'out through the door into the moonlit yard.\n\n'
    'Grettir struck off its head and laid it against the draugr''s thigh, so that it could '
    'never rise again, and the farmer burned the body and buried the ashes far from any '
    'path. But before it died the draugr fixed Grettir with its eyes and cursed him, and '
    'from that night on he could not bear to be alone in the dark. The sagas are clear on '
    'that point: even when you defeat a draugr, it takes something with it.',
    ARRAY['scandinavia', 'undead', 'winter', 'treasure', 'cemetery'],
    6,
    'draft',
    NULL,
    '5eed0001-0000-4000-8000-000000000002',
    '2026-10-21 15:00:00+00'
)
ON CONFLICT DO NOTHING;

INSERT INTO story_ghost_entities (story_id, ghost_entity_id, role, position)
VALUES
-- the-woman-at-the-river: la-llorona, white-lady
('5eed0003-0000-4000-8000-000000000001', '5eed0002-0000-4000-8000-000000000002', 'featured', 0),
('5eed0003-0000-4000-8000-000000000001', '5eed0002-0000-4000-8000-000000000019', 'mentioned', 1),
-- three-names-in-the-mirror: bloody-mary, hanako-san
('5eed0003-0000-4000-8000-000000000002', '5eed0002-0000-4000-8000-000000000001', 'featured', 0),
('5eed0003-0000-4000-8000-000000000002', '5eed0002-0000-4000-8000-000000000013', 'mentioned', 1),
-- last-dance-on-archer-avenue: resurrection-mary, white-lady
('5eed0003-0000-4000-8000-000000000003', '5eed0002-0000-4000-8000-000000000006', 'featured', 0),
('5eed0003-0000-4000-8000-000000000003', '5eed0002-0000-4000-8000-000000000019', 'mentioned', 1),
-- the-keening-before-the-wake: banshee, bean-nighe, dullahan
('5eed0003-0000-4000-8000-000000000004', '5eed0002-0000-4000-8000-000000000003', 'featured', 0),
('5eed0003-0000-4000-8000-000000000004', '5eed0002-0000-4000-8000-000000000043', 'mentioned', 1),
('5eed0003-0000-4000-8000-000000000004', '5eed0002-0000-4000-8000-000000000020', 'mentioned', 2),
-- a-sail-off-the-cape: flying-dutchman
('5eed0003-0000-4000-8000-000000000005', '5eed0002-0000-4000-8000-000000000004', 'featured', 0),
-- the-staircase-photograph: brown-lady-of-raynham-hall, grey-lady
('5eed0003-0000-4000-8000-000000000006', '5eed0002-0000-4000-8000-000000000005', 'featured', 0),
('5eed0003-0000-4000-8000-000000000006', '5eed0002-0000-4000-8000-000000000018', 'mentioned', 1),
-- the-voice-in-the-walls: bell-witch, enfield-poltergeist
('5eed0003-0000-4000-8000-000000000007', '5eed0002-0000-4000-8000-000000000007', 'featured', 0),
('5eed0003-0000-4000-8000-000000000007', '5eed0002-0000-4000-8000-000000000028', 'mentioned', 1),
-- the-bridge-at-sleepy-hollow: headless-horseman, dullahan
('5eed0003-0000-4000-8000-000000000008', '5eed0002-0000-4000-8000-000000000008', 'featured', 0),
('5eed0003-0000-4000-8000-000000000008', '5eed0002-0000-4000-8000-000000000020', 'mentioned', 1),
-- the-dog-in-the-storm: black-shuck
('5eed0003-0000-4000-8000-000000000009', '5eed0002-0000-4000-8000-000000000009', 'featured', 0),
-- snow-on-the-ferrymans-hut: yuki-onna
('5eed0003-0000-4000-8000-000000000010', '5eed0002-0000-4000-8000-000000000011', 'featured', 0),
-- the-woman-in-the-mask: kuchisake-onna, hanako-san
('5eed0003-0000-4000-8000-000000000011', '5eed0002-0000-4000-8000-000000000012', 'featured', 0),
('5eed0003-0000-4000-8000-000000000011', '5eed0002-0000-4000-8000-000000000013', 'mentioned', 1),
-- the-thirteenth-child: jersey-devil
('5eed0003-0000-4000-8000-000000000012', '5eed0002-0000-4000-8000-000000000014', 'featured', 0),
-- red-eyes-over-point-pleasant: mothman
('5eed0003-0000-4000-8000-000000000013', '5eed0002-0000-4000-8000-000000000015', 'featured', 0),
-- the-gray-man-walks-the-beach: gray-man-of-pawleys-island
('5eed0003-0000-4000-8000-000000000014', '5eed0002-0000-4000-8000-000000000016', 'featured', 0),
-- the-queen-on-tower-green: anne-boleyn-tower-of-london, brown-lady-of-raynham-hall
('5eed0003-0000-4000-8000-000000000015', '5eed0002-0000-4000-8000-000000000017', 'featured', 0),
('5eed0003-0000-4000-8000-000000000015', '5eed0002-0000-4000-8000-000000000005', 'mentioned', 1),
-- the-horse-by-the-loch: kelpie, nuckelavee
('5eed0003-0000-4000-8000-000000000016', '5eed0002-0000-4000-8000-000000000025', 'featured', 0),
('5eed0003-0000-4000-8000-000000000016', '5eed0002-0000-4000-8000-000000000024', 'mentioned', 1),
-- what-the-stove-spirit-wants: domovoi, leshy, rusalka
('5eed0003-0000-4000-8000-000000000017', '5eed0002-0000-4000-8000-000000000026', 'featured', 0),
('5eed0003-0000-4000-8000-000000000017', '5eed0002-0000-4000-8000-000000000040', 'mentioned', 1),
('5eed0003-0000-4000-8000-000000000017', '5eed0002-0000-4000-8000-000000000027', 'mentioned', 2),
-- the-plates-in-the-well: okiku
('5eed0003-0000-4000-8000-000000000018', '5eed0002-0000-4000-8000-000000000038', 'featured', 0),
-- the-lights-on-the-marsh: will-o-the-wisp, stingy-jack
('5eed0003-0000-4000-8000-000000000019', '5eed0002-0000-4000-8000-000000000035', 'featured', 0),
('5eed0003-0000-4000-8000-000000000019', '5eed0002-0000-4000-8000-000000000036', 'mentioned', 1),
-- a-stranger-at-the-mound: draugr
('5eed0003-0000-4000-8000-000000000020', '5eed0002-0000-4000-8000-000000000023', 'featured', 0)
ON CONFLICT DO NOTHING;

INSERT INTO ghost_entity_relationships (id, source_id, target_id, relationship_type, description)
VALUES
-- white-lady related la-llorona
(
    '5eed0004-0000-4000-8000-000000000001',
    '5eed0002-0000-4000-8000-000000000019',
    '5eed0002-0000-4000-8000-000000000002',
    'related',
    'Both are women in white who grieve beside water; the European motif travelled to the '
    'Americas.'
),
-- resurrection-mary variant_of white-lady
(
    '5eed0004-0000-4000-8000-000000000002',
    '5eed0002-0000-4000-8000-000000000006',
    '5eed0002-0000-4000-8000-000000000019',
    'variant_of',
    'Resurrection Mary is an American roadside variant of the White Lady.'
),
-- bean-nighe variant_of banshee
(
    '5eed0004-0000-4000-8000-000000000003',
    '5eed0002-0000-4000-8000-000000000043',
    '5eed0002-0000-4000-8000-000000000003',
    'variant_of',
    'The Scottish washer at the ford is a close cousin of the Irish banshee.'
),
-- dullahan related banshee
(
    '5eed0004-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000020',
    '5eed0002-0000-4000-8000-000000000003',
    'related',
    'Both are Irish heralds of death attached to particular households.'
),
-- headless-horseman inspired_by dullahan
(
    '5eed0004-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000008',
    '5eed0002-0000-4000-8000-000000000020',
    'inspired_by',
    'Irving''s horseman draws on older European headless riders such as the Dullahan.'
),
-- will-o-the-wisp manifestation_of stingy-jack
(
    '5eed0004-0000-4000-8000-000000000006',
    '5eed0002-0000-4000-8000-000000000035',
    '5eed0002-0000-4000-8000-000000000036',
    'manifestation_of',
    'In Irish and British lore the marsh light is Jack wandering with his ember.'
),
-- kelpie related nuckelavee
(
    '5eed0004-0000-4000-8000-000000000007',
    '5eed0002-0000-4000-8000-000000000025',
    '5eed0002-0000-4000-8000-000000000024',
    'related',
    'Both are Scottish water horses that drown or blight the unwary.'
),
-- rusalka ally_of leshy
(
    '5eed0004-0000-4000-8000-000000000008',
    '5eed0002-0000-4000-8000-000000000027',
    '5eed0002-0000-4000-8000-000000000040',
    'ally_of',
    'In some Russian tales the rusalki share the woods with the leshy, and are even said to '
    'marry him.'
),
-- domovoi related leshy
(
    '5eed0004-0000-4000-8000-000000000009',
    '5eed0002-0000-4000-8000-000000000026',
    '5eed0002-0000-4000-8000-000000000040',
    'related',
    'Slavic guardian spirits of the house and of the forest.'
),
-- grey-lady related green-lady
(
    '5eed0004-0000-4000-8000-000000000010',
    '5eed0002-0000-4000-8000-000000000018',
    '5eed0002-0000-4000-8000-000000000037',
    'related',
    'Colour-named castle ladies of British tradition.'
),
-- brown-lady-of-raynham-hall related grey-lady
(
    '5eed0004-0000-4000-8000-000000000011',
    '5eed0002-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000018',
    'related',
    'The Brown Lady belongs to the British tradition of coloured ladies.'
),
-- kuchisake-onna related hanako-san
(
    '5eed0004-0000-4000-8000-000000000012',
    '5eed0002-0000-4000-8000-000000000012',
    '5eed0002-0000-4000-8000-000000000013',
    'related',
    'Japanese school-age urban legends that spread by word of mouth.'
),
-- okiku related yuki-onna
(
    '5eed0004-0000-4000-8000-000000000013',
    '5eed0002-0000-4000-8000-000000000038',
    '5eed0002-0000-4000-8000-000000000011',
    'related',
    'Two of the best-known female spirits of Japanese ghost lore.'
),
-- pontianak related krasue
(
    '5eed0004-0000-4000-8000-000000000014',
    '5eed0002-0000-4000-8000-000000000021',
    '5eed0002-0000-4000-8000-000000000022',
    'related',
    'Southeast Asian female ghosts linked to childbirth and blood.'
),
-- aswang related krasue
(
    '5eed0004-0000-4000-8000-000000000015',
    '5eed0002-0000-4000-8000-000000000039',
    '5eed0002-0000-4000-8000-000000000022',
    'related',
    'Some aswang, like the krasue, are said to detach part of the body to hunt at night.'
),
-- enfield-poltergeist related borley-rectory-spirits
(
    '5eed0004-0000-4000-8000-000000000016',
    '5eed0002-0000-4000-8000-000000000028',
    '5eed0002-0000-4000-8000-000000000029',
    'related',
    'Two famous English poltergeist cases, both investigated and both disputed.'
),
-- bell-witch related enfield-poltergeist
(
    '5eed0004-0000-4000-8000-000000000017',
    '5eed0002-0000-4000-8000-000000000007',
    '5eed0002-0000-4000-8000-000000000028',
    'related',
    'Poltergeist cases centred on a family and a young girl.'
),
-- mothman related jersey-devil
(
    '5eed0004-0000-4000-8000-000000000018',
    '5eed0002-0000-4000-8000-000000000015',
    '5eed0002-0000-4000-8000-000000000014',
    'related',
    'Winged American cryptids tied to a single region.'
),
-- la-llorona related rusalka
(
    '5eed0004-0000-4000-8000-000000000019',
    '5eed0002-0000-4000-8000-000000000002',
    '5eed0002-0000-4000-8000-000000000027',
    'related',
    'Spirits of drowned women who lure the living toward water.'
),
-- bloody-mary related hanako-san
(
    '5eed0004-0000-4000-8000-000000000020',
    '5eed0002-0000-4000-8000-000000000001',
    '5eed0002-0000-4000-8000-000000000013',
    'related',
    'Bathroom summoning rituals played by children.'
),
-- gray-man-of-pawleys-island related flying-dutchman
(
    '5eed0004-0000-4000-8000-000000000021',
    '5eed0002-0000-4000-8000-000000000016',
    '5eed0002-0000-4000-8000-000000000004',
    'related',
    'Maritime apparitions whose appearance warns of storms.'
),
-- blue-lady-of-moss-beach related white-lady
(
    '5eed0004-0000-4000-8000-000000000022',
    '5eed0002-0000-4000-8000-000000000030',
    '5eed0002-0000-4000-8000-000000000019',
    'related',
    'A local American ghost in the tradition of the sorrowful lady.'
),
-- bunyip related kelpie
(
    '5eed0004-0000-4000-8000-000000000023',
    '5eed0002-0000-4000-8000-000000000042',
    '5eed0002-0000-4000-8000-000000000025',
    'related',
    'Water monsters that drag victims beneath the surface.'
),
-- anne-boleyn-tower-of-london related dullahan
(
    '5eed0004-0000-4000-8000-000000000024',
    '5eed0002-0000-4000-8000-000000000017',
    '5eed0002-0000-4000-8000-000000000020',
    'related',
    'Headless figures associated with death and the aristocracy.'
)
ON CONFLICT DO NOTHING;

INSERT INTO media (
    id, ghost_entity_id, story_id, url, mime_type, size_bytes, width, height, alt_text, position
)
VALUES
(
    '5eed000a-0000-4000-8000-000000000001',
    '5eed0002-0000-4000-8000-000000000005',
    NULL,
    'https://example.org/media/ghostypedia/brown-lady-staircase.jpg',
    'image/jpeg',
    248311,
    1200,
    1600,
    'Black-and-white photograph of a pale, veiled figure on a wooden staircase',
    0
),
(
    '5eed000a-0000-4000-8000-000000000002',
    '5eed0002-0000-4000-8000-000000000009',
    NULL,
    'https://example.org/media/ghostypedia/blythburgh-north-door.jpg',
    'image/jpeg',
    312904,
    1600,
    1067,
    'Scorch marks on the weathered north door of a Suffolk church',
    0
),
(
    '5eed000a-0000-4000-8000-000000000003',
    NULL,
    '5eed0003-0000-4000-8000-000000000013',
    'https://example.org/media/ghostypedia/point-pleasant-statue.jpg',
    'image/jpeg',
    401233,
    1920,
    1280,
    'Steel statue of a winged figure with red eyes in a town square',
    0
)
ON CONFLICT DO NOTHING;

-- Parents come before replies. Comment 6 is soft-deleted but keeps its reply thread.
INSERT INTO comments (id, story_id, user_id, parent_id, body, deleted_at, created_at)
VALUES
(
    '5eed0005-0000-4000-8000-000000000001',
    '5eed0003-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    'My abuela told this exact story, down to the part about the cry sounding far away when '
    'she is close. Chills.',
    NULL,
    '2026-03-02 18:04:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000002',
    '5eed0003-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0005-0000-4000-8000-000000000001',
    'Same here! In our family version you were supposed to say a prayer and never look '
    'toward the water.',
    NULL,
    '2026-03-02 19:20:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000003',
    '5eed0003-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    'Taking the highway home is the most relatable ghost-story ending I have ever read.',
    NULL,
    '2026-03-03 08:11:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000004',
    '5eed0003-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000002',
    '5eed0005-0000-4000-8000-000000000003',
    'Twenty extra minutes is a bargain, honestly. Thanks for reading!',
    NULL,
    '2026-03-03 09:30:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000005',
    '5eed0003-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    'We played this at every sleepover in fourth grade. Nobody ever made it to the third name.',
    NULL,
    '2026-03-10 21:15:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000006',
    '5eed0003-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    'Spoiler: the scratches were from the cat.',
    '2026-03-11 08:20:00+00',
    '2026-03-11 07:45:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000007',
    '5eed0003-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0005-0000-4000-8000-000000000006',
    'There is no cat in this story. Also, maybe keep spoilers out of the comments?',
    NULL,
    '2026-03-11 07:58:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000008',
    '5eed0003-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000001',
    '5eed0005-0000-4000-8000-000000000007',
    'Thanks for flagging it. The parent comment has been removed for spoilers.',
    NULL,
    '2026-03-11 08:25:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000009',
    '5eed0003-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    'Archer Avenue is a real road, and driving it at night is genuinely unsettling.',
    NULL,
    '2026-04-02 22:30:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000010',
    '5eed0003-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0005-0000-4000-8000-000000000009',
    'Did you see anything?',
    NULL,
    '2026-04-03 07:12:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000011',
    '5eed0003-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0005-0000-4000-8000-000000000010',
    'Just fog and a very long cemetery fence. Which was plenty.',
    NULL,
    '2026-04-03 12:40:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000012',
    '5eed0003-0000-4000-8000-000000000007',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    'The voice repeating two sermons preached miles apart is the creepiest detail in the '
    'whole Bell Witch story.',
    NULL,
    '2026-05-20 14:00:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000013',
    '5eed0003-0000-4000-8000-000000000007',
    '5eed0001-0000-4000-8000-000000000002',
    '5eed0005-0000-4000-8000-000000000012',
    'Agreed. It appears in several of the early accounts, which is why we kept it.',
    NULL,
    '2026-05-20 15:25:00+00'
),
(
    '5eed0005-0000-4000-8000-000000000014',
    '5eed0003-0000-4000-8000-000000000007',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    'Would love a follow-up story about the Bell Witch Cave.',
    NULL,
    '2026-05-21 09:10:00+00'
)
ON CONFLICT DO NOTHING;

INSERT INTO bookmarks (id, user_id, ghost_entity_id, story_id, note)
VALUES
-- reader -> la-llorona
(
    '5eed0006-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0002-0000-4000-8000-000000000002',
    NULL,
    'Grandma''s favourite.'
),
-- reader -> three-names-in-the-mirror
(
    '5eed0006-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    '5eed0003-0000-4000-8000-000000000002',
    ''
),
-- premium_reader -> banshee
(
    '5eed0006-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000003',
    NULL,
    'For the Irish folklore reading list.'
),
-- premium_reader -> the-keening-before-the-wake
(
    '5eed0006-0000-4000-8000-000000000004',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    '5eed0003-0000-4000-8000-000000000004',
    ''
),
-- premium_reader -> yuki-onna
(
    '5eed0006-0000-4000-8000-000000000005',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000011',
    NULL,
    ''
),
-- pro_reader -> red-eyes-over-point-pleasant
(
    '5eed0006-0000-4000-8000-000000000006',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    '5eed0003-0000-4000-8000-000000000013',
    'Visit Point Pleasant in September.'
),
-- pro_reader -> mothman
(
    '5eed0006-0000-4000-8000-000000000007',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000015',
    NULL,
    ''
),
-- pro_reader -> draugr
(
    '5eed0006-0000-4000-8000-000000000008',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000023',
    NULL,
    'Compare with the Grettis saga translation.'
),
-- editor -> skinwalker
(
    '5eed0006-0000-4000-8000-000000000009',
    '5eed0001-0000-4000-8000-000000000002',
    '5eed0002-0000-4000-8000-000000000034',
    NULL,
    'Review wording with a cultural consultant before any edits.'
),
-- admin -> the-voice-in-the-walls
(
    '5eed0006-0000-4000-8000-000000000010',
    '5eed0001-0000-4000-8000-000000000001',
    NULL,
    '5eed0003-0000-4000-8000-000000000007',
    ''
)
ON CONFLICT DO NOTHING;

INSERT INTO reading_progress (id, user_id, story_id, percent, position, completed_at, created_at)
VALUES
(
    '5eed0007-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0003-0000-4000-8000-000000000001',
    100,
    2210,
    '2026-03-02 17:58:00+00',
    '2026-03-02 17:50:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0003-0000-4000-8000-000000000002',
    45,
    960,
    NULL,
    '2026-03-10 20:40:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0003-0000-4000-8000-000000000004',
    95,
    2330,
    NULL,
    '2026-03-14 22:05:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000004',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0003-0000-4000-8000-000000000007',
    60,
    1790,
    NULL,
    '2026-05-20 13:30:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000005',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0003-0000-4000-8000-000000000013',
    20,
    520,
    NULL,
    '2026-06-01 21:10:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000006',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0003-0000-4000-8000-000000000003',
    100,
    2090,
    '2026-04-02 22:20:00+00',
    '2026-04-02 22:08:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000007',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0003-0000-4000-8000-000000000010',
    80,
    1850,
    NULL,
    '2026-06-12 07:45:00+00'
),
(
    '5eed0007-0000-4000-8000-000000000008',
    '5eed0001-0000-4000-8000-000000000001',
    '5eed0003-0000-4000-8000-000000000015',
    10,
    260,
    NULL,
    '2026-07-01 12:00:00+00'
)
ON CONFLICT DO NOTHING;

-- Rows with a NULL user_id are anonymous visits.
INSERT INTO interactions (id, user_id, ghost_entity_id, story_id, kind, created_at)
VALUES
(
    '5eed0008-0000-4000-8000-000000000001',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0002-0000-4000-8000-000000000002',
    NULL,
    'view',
    '2026-03-01 20:10:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000002',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0002-0000-4000-8000-000000000002',
    NULL,
    'like',
    '2026-03-01 20:12:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000003',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    '5eed0003-0000-4000-8000-000000000001',
    'view',
    '2026-03-02 17:49:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000004',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    '5eed0003-0000-4000-8000-000000000001',
    'read',
    '2026-03-02 17:58:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000005',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    '5eed0003-0000-4000-8000-000000000001',
    'like',
    '2026-03-02 18:01:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000006',
    '5eed0001-0000-4000-8000-000000000003',
    NULL,
    '5eed0003-0000-4000-8000-000000000002',
    'view',
    '2026-03-10 20:39:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000007',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0002-0000-4000-8000-000000000001',
    NULL,
    'view',
    '2026-03-10 20:50:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000008',
    '5eed0001-0000-4000-8000-000000000003',
    '5eed0002-0000-4000-8000-000000000019',
    NULL,
    'view',
    '2026-03-12 09:15:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000009',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000003',
    NULL,
    'view',
    '2026-03-14 21:40:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000010',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000003',
    NULL,
    'like',
    '2026-03-14 21:41:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000011',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    '5eed0003-0000-4000-8000-000000000004',
    'view',
    '2026-03-14 22:04:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000012',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    '5eed0003-0000-4000-8000-000000000004',
    'share',
    '2026-03-14 22:30:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000013',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000011',
    NULL,
    'view',
    '2026-04-20 19:05:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000014',
    '5eed0001-0000-4000-8000-000000000004',
    '5eed0002-0000-4000-8000-000000000043',
    NULL,
    'view',
    '2026-04-20 19:12:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000015',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    '5eed0003-0000-4000-8000-000000000007',
    'view',
    '2026-05-20 13:29:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000016',
    '5eed0001-0000-4000-8000-000000000004',
    NULL,
    '5eed0003-0000-4000-8000-000000000010',
    'read',
    '2026-05-28 23:10:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000017',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    '5eed0003-0000-4000-8000-000000000003',
    'view',
    '2026-04-02 22:07:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000018',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    '5eed0003-0000-4000-8000-000000000003',
    'read',
    '2026-04-02 22:20:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000019',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000006',
    NULL,
    'view',
    '2026-04-02 22:25:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000020',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000006',
    NULL,
    'like',
    '2026-04-02 22:26:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000021',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    '5eed0003-0000-4000-8000-000000000013',
    'view',
    '2026-06-01 21:09:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000022',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000015',
    NULL,
    'view',
    '2026-06-01 21:30:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000023',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000015',
    NULL,
    'share',
    '2026-06-01 21:32:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000024',
    '5eed0001-0000-4000-8000-000000000005',
    '5eed0002-0000-4000-8000-000000000023',
    NULL,
    'view',
    '2026-06-05 18:00:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000025',
    '5eed0001-0000-4000-8000-000000000005',
    NULL,
    '5eed0003-0000-4000-8000-000000000010',
    'view',
    '2026-06-12 07:44:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000026',
    '5eed0001-0000-4000-8000-000000000002',
    '5eed0002-0000-4000-8000-000000000034',
    NULL,
    'view',
    '2026-06-20 10:00:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000027',
    '5eed0001-0000-4000-8000-000000000002',
    NULL,
    '5eed0003-0000-4000-8000-000000000007',
    'like',
    '2026-05-20 15:20:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000028',
    '5eed0001-0000-4000-8000-000000000001',
    NULL,
    '5eed0003-0000-4000-8000-000000000015',
    'view',
    '2026-07-01 11:59:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000029',
    '5eed0001-0000-4000-8000-000000000001',
    '5eed0002-0000-4000-8000-000000000017',
    NULL,
    'view',
    '2026-07-01 12:10:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000030',
    '5eed0001-0000-4000-8000-000000000001',
    NULL,
    '5eed0003-0000-4000-8000-000000000002',
    'share',
    '2026-03-11 08:30:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000031',
    NULL,
    '5eed0002-0000-4000-8000-000000000002',
    NULL,
    'view',
    '2026-02-14 03:12:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000032',
    NULL,
    '5eed0002-0000-4000-8000-000000000009',
    NULL,
    'view',
    '2026-02-20 16:45:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000033',
    NULL,
    NULL,
    '5eed0003-0000-4000-8000-000000000009',
    'view',
    '2026-02-21 10:05:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000034',
    NULL,
    NULL,
    '5eed0003-0000-4000-8000-000000000001',
    'view',
    '2026-03-05 22:22:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000035',
    NULL,
    '5eed0002-0000-4000-8000-000000000015',
    NULL,
    'view',
    '2026-06-02 08:30:00+00'
),
(
    '5eed0008-0000-4000-8000-000000000036',
    NULL,
    NULL,
    '5eed0003-0000-4000-8000-000000000013',
    'share',
    '2026-06-02 08:34:00+00'
)
ON CONFLICT DO NOTHING;

INSERT INTO feature_flags (id, key, enabled, rollout_percent, description)
VALUES
(
    '5eed000b-0000-4000-8000-000000000001',
    'digital-twin',
    TRUE,
    100,
    'Chat with a ghost''s digital twin on its encyclopedia page.'
),
(
    '5eed000b-0000-4000-8000-000000000002',
    'recommendations-v2',
    FALSE,
    0,
    'Second-generation recommendation ranking (off while it is being evaluated).'
)
ON CONFLICT DO NOTHING;
