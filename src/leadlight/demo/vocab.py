"""Words the synthetic company is made of: company names, people, titles, domains.

Fixed tuples, so a seed always draws the same words.
"""

from __future__ import annotations

VENDOR_DOMAIN = "quillboard.io"  # the made-up product whose usage is simulated

NAME_HEADS = (
    "Amber", "Apex", "Arc", "Aster", "Atlas", "Aurora", "Beacon", "Birch", "Blue", "Bold",
    "Bright", "Brook", "Cedar", "Cinder", "Clear", "Cloud", "Cobalt", "Copper", "Coral", "Crest",
    "Crimson", "Delta", "Echo", "Ember", "Falcon", "Fern", "Flint", "Forge", "Fox", "Frost",
    "Garnet", "Glacier", "Golden", "Granite", "Green", "Harbor", "Hazel", "Helix", "Indigo", "Iron",
    "Jade", "Juniper", "Kite", "Lark", "Lumen", "Lunar", "Maple", "Meadow", "Mint", "Nimbus",
    "North", "Nova", "Oak", "Onyx", "Orbit", "Pine", "Pixel", "Polar", "Prism", "Quartz",
    "Raven", "Red", "River", "Rocket", "Sage", "Silver", "Slate", "Solar", "Spark", "Spruce",
    "Stone", "Summit", "Swift", "Terra", "Tidal", "True", "Velvet", "Vertex", "Willow", "Zenith",
)
NAME_TAILS = (
    "Analytics", "Apps", "Bank", "Bio", "Box", "Bridge", "Cart", "Cast", "Cloud", "Code",
    "Data", "Desk", "Dynamics", "Flow", "Foods", "Freight", "Grid", "Health", "Hub", "Insights",
    "Labs", "Learning", "Ledger", "Legal", "Lens", "Logic", "Loop", "Media", "Metrics", "Mobility",
    "Motion", "Networks", "Path", "Pay", "Point", "Ports", "Pulse", "Quest", "Retail", "Robotics",
    "Scale", "Security", "Shift", "Signal", "Soft", "Sphere", "Stack", "Studio", "Systems", "Tech",
    "Track", "Trade", "Travel", "Ventures", "Verse", "Vision", "Wave", "Works", "Yard", "Zone",
)
TLDS = ("com", "io", "co", "ai", "dev", "app", "net", "tech")
DOMAIN_PATTERNS = ("{w}.{tld}", "get{w}.{tld}", "{w}hq.{tld}", "try{w}.{tld}")  # every pattern uses the tld: domains stay unique
WORKSPACE_SUFFIXES = ("Marketing", "EU", "Labs", "Design Team", "Data Team", "APAC")

FIRST_NAMES = (
    "Aaliyah", "Adam", "Aditi", "Alex", "Alice", "Amara", "Ana", "Andre", "Anna", "Arjun",
    "Ben", "Bianca", "Carlos", "Chen", "Chloe", "Daniel", "David", "Diego", "Elena", "Emma",
    "Fatima", "Felix", "Grace", "Hana", "Hannah", "Hiro", "Ines", "Isaac", "Ivan", "Jade",
    "James", "Javier", "Jin", "Jonas", "Julia", "Kai", "Karim", "Kate", "Lars", "Laura",
    "Leo", "Lina", "Lucas", "Maya", "Mei", "Mia", "Mohammed", "Nadia", "Noah", "Nora",
    "Olivia", "Omar", "Priya", "Rafael", "Rosa", "Ryan", "Sara", "Sofia", "Tom", "Yuki",
)
LAST_NAMES = (
    "Adams", "Ahmed", "Alvarez", "Andersen", "Brown", "Chen", "Costa", "Dubois", "Evans", "Fischer",
    "Garcia", "Gupta", "Hansen", "Hernandez", "Ito", "Jensen", "Johnson", "Kim", "Kowalski", "Lee",
    "Lopez", "Martin", "Meyer", "Miller", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor",
    "Olsen", "Patel", "Perez", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Smith", "Suzuki",
    "Taylor", "Wang", "Weber", "Williams", "Wilson", "Wong", "Yamamoto", "Young", "Zhang", "Ziegler",
)

PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me", "gmx.de")
PERSONAL_WEIGHTS = (0.46, 0.16, 0.1, 0.09, 0.09, 0.06, 0.04)
DISPOSABLE_DOMAINS = ("mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com")
STUDENT_DOMAINS = ("stanford.edu", "mit.edu", "berkeley.edu", "umich.edu", "ox.ac.uk", "ucl.ac.uk", "ed.ac.uk", "nyu.edu")

INDUSTRIES = ("Software", "Financial Services", "Healthcare", "Retail", "Education", "Media", "Manufacturing",
              "Consulting", "Logistics", "Real Estate")
# The hidden law's industry effect, aligned with INDUSTRIES (unknown industry: 0).
INDUSTRY_EFFECT = (0.35, 0.3, 0.1, -0.2, -0.45, -0.1, 0.0, 0.15, -0.15, -0.3)
INDUSTRY_WEIGHTS = (0.3, 0.1, 0.08, 0.1, 0.07, 0.08, 0.08, 0.08, 0.06, 0.05)
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "NL", "IN", "AU", "BR", "ES", "SE", "JP")
COUNTRY_WEIGHTS = (0.42, 0.1, 0.08, 0.06, 0.06, 0.04, 0.06, 0.05, 0.04, 0.03, 0.03, 0.03)
FUNDING_STAGES = ("bootstrapped", "seed", "series_a", "series_b", "series_c+", "public")
TECH = ("aws", "gcp", "azure", "slack", "teams", "github", "gitlab", "jira", "salesforce", "hubspot", "figma", "okta")

# People: role -> free-text titles as people type them.
ROLES = ("exec", "manager", "maker", "admin", "sales", "student", "internal")
EXEC, MANAGER, MAKER, ADMIN, SALES, STUDENT, INTERNAL = range(len(ROLES))
ROLE_WEIGHTS = (0.12, 0.22, 0.5, 0.08, 0.08)  # company members (exec .. sales)
TITLES = {
    EXEC: ("CTO", "CEO", "Founder & CEO", "Co-founder", "VP Engineering", "VP of Product", "Head of Design",
           "Head of Marketing", "COO", "Chief Product Officer", "VP, Engineering", "Director of Engineering"),
    MANAGER: ("Engineering Manager", "Marketing Manager", "Product Manager", "Design Lead", "Team Lead",
              "Sr. Product Manager", "Project Manager", "Content Lead", "product manager"),
    MAKER: ("Software Engineer", "Senior Software Engineer", "Product Designer", "Content Writer", "Data Analyst",
            "Marketing Specialist", "Frontend Developer", "UX Researcher", "developer", "Sr Software Engineer",
            "Backend Engineer", "Designer", ""),
    ADMIN: ("IT Admin", "IT Manager", "Systems Administrator", "Security Engineer", "Operations Manager",
            "Head of IT", "it admin"),
    SALES: ("Account Executive", "Sales Manager", "SDR", "Customer Success Manager", "Account Manager"),
    STUDENT: ("Student", "PhD Student", "student", "Graduate Student", ""),
    INTERNAL: ("Account Executive", "Solutions Engineer", "Sales Development Rep", "Customer Success Manager"),
}
