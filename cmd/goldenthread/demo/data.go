package demo

// The example organisations, modelled on the example in the design guide:
// a national management team whose thematic goal is "Craft Our Culture",
// regional service directors with "Clarify Our Culture", a provincial
// management group with "Put the Train on the Tracks" (a training calendar,
// consistent training expectations and outcomes), another with
// "Energize!", and a shared-service company whose priorities are customer
// satisfaction, staff engagement and "deliver what we say we are going
// to do".
//
// Horizons are in months from the current one (0: this month), so that the
// example is always current: From is the first day of that month, To the
// last. KPIs have up to a year of monthly values, the last for this
// month, oldest first.

// Organisation is one example organisation and everything in it; Owners
// are the ids of the organisations that own it, listed before it.
type Organisation struct {
	ID, Name, Kind string
	Owners         []string
	People         []Person
	Teams          []Team
	Plan           []Element
	KPIs           []KPI
}

// Person is someone who can sign in (`goldenthread token -subject ID`)
// with a role in the organisation, and lead or sit on teams.
type Person struct {
	ID, Name, Email, JobTitle, Role string
	// Lead and Member are the ids of the teams the person leads and is a
	// member of.
	Lead, Member []string
}

// Team is a team; Parent is the id of the team it reports to.
type Team struct {
	ID, Name, Kind, Parent, Purpose string
}

// Element is one element of the plan. Level is VISION, MISSION,
// OBJECTIVE, STRATEGY or TACTIC; Kind, for objectives, THEMATIC_GOAL,
// DEFINING_OBJECTIVE or STANDARD_OPERATING; Goal, for a defining
// objective, the id of its thematic goal.
type Element struct {
	ID, Parent, Level, Kind, Goal, Team, Title string
	// Supports are elements of the organisations that own this one, as
	// {organisation}/{element}.
	Supports []string
	From, To int
	Status   string
	Progress int32
	// CheckIns is how often its owners check in: WEEKLY, FORTNIGHTLY,
	// MONTHLY or QUARTERLY; never when empty.
	CheckIns string
}

// KPI measures Element with a relative threshold: green within Green% of
// the target, amber within Amber%.
type KPI struct {
	ID, Title, Element, Team, Unit, Direction, Source string
	// Targets by month offset: the target for the periods up to the end
	// of that month.
	Targets      map[int]float64
	Green, Amber float64
	// Values are monthly, the last for this month: a year of them, or
	// fewer for work that started later.
	Values []float64
}

// Organisations is the example.
var Organisations = []Organisation{{
	ID: "northshire-care", Name: "Northshire Care Service", Kind: "KIND_AGENCY",
	People: []Person{
		{ID: "ana", Name: "Ana Okafor", Email: "ana@northshire.example", JobTitle: "Chief Executive", Role: "ROLE_PLANNER", Lead: []string{"national"}},
		{ID: "ben", Name: "Ben Alvarez", Email: "ben@northshire.example", JobTitle: "Regional Director", Role: "ROLE_CONTRIBUTOR", Lead: []string{"regional"}, Member: []string{"national"}},
		{ID: "cat", Name: "Cat Lindqvist", Email: "cat@northshire.example", JobTitle: "Provincial Manager", Role: "ROLE_CONTRIBUTOR", Lead: []string{"east"}, Member: []string{"regional"}},
		{ID: "dev", Name: "Dev Patel", Email: "dev@northshire.example", JobTitle: "Provincial Manager", Role: "ROLE_CONTRIBUTOR", Lead: []string{"west"}, Member: []string{"regional"}},
		{ID: "eve", Name: "Eve Moreau", Email: "eve@northshire.example", JobTitle: "Board member", Role: "ROLE_VIEWER"},
	},
	Teams: []Team{
		{ID: "national", Name: "National Management Team", Kind: "KIND_LEADERSHIP", Purpose: "Sets the direction of the whole service."},
		{ID: "regional", Name: "Regional Service Directors", Kind: "KIND_LEADERSHIP", Parent: "national", Purpose: "Turn the national direction into regional plans."},
		{ID: "east", Name: "East Provincial Management Group", Kind: "KIND_LEADERSHIP", Parent: "regional", Purpose: "Runs the service in the eastern province."},
		{ID: "west", Name: "West Provincial Management Group", Kind: "KIND_LEADERSHIP", Parent: "regional", Purpose: "Runs the service in the western province."},
		{ID: "training", Name: "Training Team", Kind: "KIND_OPERATIONAL", Parent: "east", Purpose: "Trains the trainers and runs the courses."},
	},
	Plan: []Element{
		{ID: "vision", Level: "VISION", Team: "national", Title: "Every family in Northshire gets the care it needs, when it needs it", From: -24, To: 60, Status: "ACTIVE"},
		{ID: "mission", Parent: "vision", Level: "MISSION", Team: "national", Title: "Deliver what we say we are going to do", From: -24, To: 36, Status: "ACTIVE"},

		{ID: "craft-culture", Parent: "mission", Level: "OBJECTIVE", Kind: "THEMATIC_GOAL", Team: "national", Title: "Craft Our Culture", From: -4, To: 2, Status: "ACTIVE"},
		{ID: "shared-values", Parent: "mission", Level: "OBJECTIVE", Kind: "DEFINING_OBJECTIVE", Goal: "craft-culture", Team: "national", Title: "Agree and publish our shared values", From: -4, To: 1, Status: "ACTIVE"},
		{ID: "values-workshops", Parent: "shared-values", Level: "STRATEGY", Team: "national", Title: "Shape the values with staff, not for them", From: -4, To: 1, Status: "ACTIVE"},
		{ID: "run-workshops", Parent: "values-workshops", Level: "TACTIC", Team: "national", Title: "Run a values workshop in every office", From: -4, To: 0, Status: "ACTIVE", Progress: 75},

		{ID: "clarify-culture", Parent: "mission", Level: "OBJECTIVE", Kind: "THEMATIC_GOAL", Team: "regional", Title: "Clarify Our Culture", From: -3, To: 3, Status: "ACTIVE"},
		{ID: "expectations", Parent: "mission", Level: "OBJECTIVE", Kind: "DEFINING_OBJECTIVE", Goal: "clarify-culture", Team: "regional", Title: "Managers know what is expected of them", From: -3, To: 3, Status: "ACTIVE"},
		{ID: "manager-charter", Parent: "expectations", Level: "STRATEGY", Team: "regional", Title: "A managers' charter, written with managers", From: -3, To: 3, Status: "ACTIVE"},
		{ID: "charter-sessions", Parent: "manager-charter", Level: "TACTIC", Team: "regional", Title: "Charter sessions in each region", From: -3, To: 2, Status: "ACTIVE", Progress: 40},

		{ID: "train-on-tracks", Parent: "mission", Level: "OBJECTIVE", Kind: "THEMATIC_GOAL", Team: "east", Title: "Put the Train on the Tracks", From: -5, To: 1, Status: "ACTIVE", CheckIns: "WEEKLY"},
		{ID: "training-calendar", Parent: "mission", Level: "OBJECTIVE", Kind: "DEFINING_OBJECTIVE", Goal: "train-on-tracks", Team: "east", Title: "A training calendar", From: -5, To: 1, Status: "ACTIVE"},
		{ID: "plan-courses", Parent: "training-calendar", Level: "STRATEGY", Team: "training", Title: "Plan a year of courses ahead", From: -5, To: 1, Status: "ACTIVE"},
		{ID: "publish-calendar", Parent: "plan-courses", Level: "TACTIC", Team: "training", Title: "Publish the course calendar each quarter", From: -5, To: 1, Status: "ACTIVE", Progress: 90},
		{ID: "training-standards", Parent: "mission", Level: "OBJECTIVE", Kind: "DEFINING_OBJECTIVE", Goal: "train-on-tracks", Team: "east", Title: "Consistent training expectations and outcomes", From: -5, To: 1, Status: "ACTIVE"},
		{ID: "train-trainers", Parent: "training-standards", Level: "STRATEGY", Team: "training", Title: "Train every trainer to one standard", From: -5, To: 1, Status: "ACTIVE", CheckIns: "MONTHLY"},
		{ID: "trainer-course", Parent: "train-trainers", Level: "TACTIC", Team: "training", Title: "Run the trainers' course", From: -5, To: 1, Status: "ACTIVE", Progress: 60, CheckIns: "WEEKLY"},

		{ID: "energize", Parent: "mission", Level: "OBJECTIVE", Kind: "THEMATIC_GOAL", Team: "west", Title: "Energize!", From: -2, To: 4, Status: "ACTIVE"},
		{ID: "recognition", Parent: "mission", Level: "OBJECTIVE", Kind: "DEFINING_OBJECTIVE", Goal: "energize", Team: "west", Title: "Recognise good work where it happens", From: -2, To: 4, Status: "ACTIVE"},
		{ID: "thank-you", Parent: "recognition", Level: "STRATEGY", Team: "west", Title: "Make saying thank you a habit", From: -2, To: 4, Status: "ACTIVE"},
		{ID: "monthly-awards", Parent: "thank-you", Level: "TACTIC", Team: "west", Title: "Monthly team awards", From: -2, To: 4, Status: "ACTIVE", Progress: 30},

		{ID: "customer-satisfaction", Parent: "mission", Level: "OBJECTIVE", Kind: "STANDARD_OPERATING", Team: "national", Title: "Customer satisfaction", From: -24, To: 36, Status: "ACTIVE"},
		{ID: "listen", Parent: "customer-satisfaction", Level: "STRATEGY", Team: "regional", Title: "Listen to every family we serve", From: -24, To: 36, Status: "ACTIVE"},
		{ID: "survey", Parent: "listen", Level: "TACTIC", Team: "regional", Title: "Survey families after every visit", From: -24, To: 36, Status: "ACTIVE", Progress: 100},
		{ID: "complaints", Parent: "listen", Level: "TACTIC", Team: "regional", Title: "Answer complaints within ten days", From: -24, To: 36, Status: "ACTIVE", Progress: 70},
		{ID: "staff-engagement", Parent: "mission", Level: "OBJECTIVE", Kind: "STANDARD_OPERATING", Team: "national", Title: "Staff engagement", From: -24, To: 36, Status: "ACTIVE"},
		{ID: "pulse", Parent: "staff-engagement", Level: "STRATEGY", Team: "national", Title: "Know how staff feel, every month", From: -24, To: 36, Status: "ACTIVE"},
		{ID: "pulse-survey", Parent: "pulse", Level: "TACTIC", Team: "national", Title: "Monthly pulse survey", From: -24, To: 36, Status: "ACTIVE", Progress: 100},
		{ID: "on-time", Parent: "mission", Level: "OBJECTIVE", Kind: "STANDARD_OPERATING", Team: "regional", Title: "Deliver what we say we are going to do", From: -24, To: 36, Status: "ACTIVE"},
		{ID: "visits-planned", Parent: "on-time", Level: "STRATEGY", Team: "regional", Title: "Plan visits a week ahead", From: -24, To: 36, Status: "ACTIVE"},
		{ID: "visit-rota", Parent: "visits-planned", Level: "TACTIC", Team: "east", Title: "A shared visit rota", From: -12, To: 12, Status: "ACTIVE", Progress: 55},
	},
	KPIs: []KPI{
		{ID: "know-our-values", Title: "Staff who can say what our values mean to their work", Element: "craft-culture", Team: "national", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Pulse survey question 4", Targets: map[int]float64{0: 60, 2: 75}, Green: 0, Amber: 10,
			Values: []float64{31, 42, 50, 58}},
		{ID: "clear-expectations", Title: "Managers who find expectations clear", Element: "clarify-culture", Team: "regional", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Managers' survey", Targets: map[int]float64{0: 70, 3: 85}, Green: 0, Amber: 10,
			Values: []float64{48, 52, 57}},
		{ID: "courses-as-planned", Title: "Courses delivered as planned", Element: "train-on-tracks", Team: "east", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Course calendar", Targets: map[int]float64{0: 90}, Green: 0, Amber: 5,
			Values: []float64{62, 70, 81, 88, 92, 94}},
		{ID: "feel-recognised", Title: "Staff who feel recognised", Element: "energize", Team: "west", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Pulse survey question 7", Targets: map[int]float64{0: 65, 4: 80}, Green: 0, Amber: 10,
			Values: []float64{49, 55, 60}},
		{ID: "offices-with-workshop", Title: "Offices that held a values workshop", Element: "run-workshops", Team: "national", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Workshop sign-in sheets", Targets: map[int]float64{-2: 40, 0: 80}, Green: 0, Amber: 10,
			Values: []float64{20, 38, 61, 78}},
		{ID: "charter-attendance", Title: "Managers who attended a charter session", Element: "charter-sessions", Team: "regional", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Session registers", Targets: map[int]float64{0: 50, 2: 90}, Green: 0, Amber: 10,
			Values: []float64{12, 27, 44}},
		{ID: "courses-published", Title: "Courses published a quarter ahead", Element: "publish-calendar", Team: "training", Unit: "UNIT_COUNT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Course calendar", Targets: map[int]float64{0: 24, 6: 30}, Green: 0, Amber: 10,
			Values: []float64{4, 6, 6, 9, 11, 13, 15, 17, 19, 21, 23, 25}},
		{ID: "trainers-trained", Title: "Trainers trained to the standard", Element: "trainer-course", Team: "training", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Training records", Targets: map[int]float64{0: 90, 6: 95}, Green: 0, Amber: 5,
			Values: []float64{31, 35, 42, 48, 55, 61, 66, 72, 78, 82, 85, 87}},
		{ID: "awards-given", Title: "Teams that gave an award this month", Element: "monthly-awards", Team: "west", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Awards log", Targets: map[int]float64{0: 75, 4: 90}, Green: 0, Amber: 10,
			Values: []float64{25, 48, 70}},
		{ID: "family-satisfaction", Title: "Families satisfied with their visit", Element: "survey", Team: "regional", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Post-visit survey", Targets: map[int]float64{0: 85, 12: 88}, Green: 0, Amber: 5,
			Values: []float64{81, 82, 84, 83, 85, 86, 86, 87, 85, 86, 88, 87}},
		{ID: "complaint-days", Title: "Days to answer a complaint", Element: "complaints", Team: "regional", Unit: "UNIT_DAYS",
			Direction: "DIRECTION_LOWER_IS_BETTER", Source: "Complaints register", Targets: map[int]float64{0: 10, 12: 8}, Green: 0, Amber: 20,
			Values: []float64{15, 14, 14, 13, 12, 12, 11, 11, 10, 11, 11, 11}},
		{ID: "staff-engagement", Title: "Staff engagement score", Element: "pulse-survey", Team: "national", Unit: "UNIT_SCORE",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Monthly pulse survey", Targets: map[int]float64{0: 7.5, 12: 8}, Green: 0, Amber: 10,
			Values: []float64{6.9, 7.0, 7.1, 7.0, 7.2, 7.3, 7.4, 7.3, 7.2, 7.1, 7.0, 6.8}},
		{ID: "visits-on-time", Title: "Visits made on the day promised", Element: "visit-rota", Team: "east", Unit: "UNIT_PERCENT",
			Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Visit rota", Targets: map[int]float64{0: 95, 12: 97}, Green: 0, Amber: 3,
			Values: []float64{93, 94, 95, 96, 95, 96, 97, 96, 95, 94, 94, 93}},
	},
}, council("northvale", "Northvale Borough Council", "nia", "Nia Roberts", "Northvale: a borough where every resident can thrive"),
	council("southvale", "Southvale District Council", "sam", "Sam Osei", "Southvale: safe, green and connected"),
	council("eastvale", "Eastvale City Council", "eli", "Eli Novak", "Eastvale: a fair city that works for everyone"), {
		ID: "valley-shared-services", Name: "Valley Shared Services Ltd", Kind: "KIND_SHARED_SERVICE_COMPANY",
		Owners: []string{"northvale", "southvale", "eastvale"},
		Teams: []Team{
			{ID: "board", Name: "Board", Kind: "KIND_LEADERSHIP", Purpose: "Owned by the three councils it serves."},
			{ID: "service-desk", Name: "Service Desk", Kind: "KIND_OPERATIONAL", Parent: "board", Purpose: "Answers the councils' staff and residents."},
		},
		Plan: []Element{
			{ID: "vision", Level: "VISION", Team: "board", Title: "The councils' first choice for shared services", From: -12, To: 48, Status: "ACTIVE"},
			{ID: "mission", Parent: "vision", Level: "MISSION", Team: "board", Title: "Deliver what we say we are going to do", From: -12, To: 36, Status: "ACTIVE"},
			{ID: "customer-satisfaction", Parent: "mission", Level: "OBJECTIVE", Kind: "STANDARD_OPERATING", Team: "board", Title: "Customer satisfaction", From: -12, To: 36, Status: "ACTIVE",
				Supports: []string{"northvale/vision", "southvale/vision", "eastvale/vision"}},
			{ID: "first-contact", Parent: "customer-satisfaction", Level: "STRATEGY", Team: "service-desk", Title: "Resolve at first contact", From: -12, To: 36, Status: "ACTIVE"},
			{ID: "knowledge-base", Parent: "first-contact", Level: "TACTIC", Team: "service-desk", Title: "A knowledge base for every service", From: -12, To: 12, Status: "ACTIVE", Progress: 65},
			{ID: "staff-engagement", Parent: "mission", Level: "OBJECTIVE", Kind: "STANDARD_OPERATING", Team: "board", Title: "Staff engagement", From: -12, To: 36, Status: "ACTIVE"},
			{ID: "grow-people", Parent: "staff-engagement", Level: "STRATEGY", Team: "board", Title: "Grow our own people", From: -12, To: 36, Status: "ACTIVE"},
			{ID: "mentoring", Parent: "grow-people", Level: "TACTIC", Team: "board", Title: "A mentor for every new starter", From: -12, To: 12, Status: "ACTIVE", Progress: 50},
		},
		KPIs: []KPI{
			{ID: "first-contact-resolution", Title: "Calls resolved at first contact", Element: "knowledge-base", Team: "service-desk", Unit: "UNIT_PERCENT",
				Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Call system", Targets: map[int]float64{0: 70, 12: 80}, Green: 0, Amber: 5,
				Values: []float64{58, 60, 61, 63, 64, 66, 67, 68, 70, 71, 72, 73}},
			// Red: the councils see it on their visions, which the company's
			// customer satisfaction serves.
			{ID: "calls-answered", Title: "Calls answered within a minute", Element: "knowledge-base", Team: "service-desk", Unit: "UNIT_PERCENT",
				Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "Call system", Targets: map[int]float64{0: 90}, Green: 0, Amber: 5,
				Values: []float64{88, 85, 80, 76, 71, 64}},
			{ID: "starters-with-mentor", Title: "New starters with a mentor", Element: "mentoring", Team: "board", Unit: "UNIT_PERCENT",
				Direction: "DIRECTION_HIGHER_IS_BETTER", Source: "HR records", Targets: map[int]float64{0: 100}, Green: 0, Amber: 10,
				Values: []float64{40, 45, 50, 60, 70, 75, 80, 85, 88, 90, 92, 93}},
		},
	}}

// council is one of the three councils that own the shared-service
// company: a chief executive who plans, a cabinet, a vision and a mission.
func council(id, name, leaderID, leader, vision string) Organisation {
	return Organisation{
		ID: id, Name: name, Kind: "KIND_COUNCIL",
		People: []Person{{ID: leaderID, Name: leader, Email: leaderID + "@" + id + ".example", JobTitle: "Chief Executive",
			Role: "ROLE_PLANNER", Lead: []string{"cabinet"}}},
		Teams: []Team{{ID: "cabinet", Name: "Cabinet", Kind: "KIND_LEADERSHIP", Purpose: "Sets the council's priorities."}},
		Plan: []Element{
			{ID: "vision", Level: "VISION", Team: "cabinet", Title: vision, From: -24, To: 60, Status: "ACTIVE"},
			{ID: "mission", Parent: "vision", Level: "MISSION", Team: "cabinet", Title: "Good services, good value, for every resident", From: -24, To: 48, Status: "ACTIVE"},
		},
	}
}
