# Workplace search in the lead form: a collaborator may type the enterprise's name.
lead-enterprise-results = Results for “{ $query }”. Please choose the enterprise, or type its tax code:
lead-enterprise-none = No enterprise “{ $query }” found. Please type the name or the tax code again, or press “I don't know it”.
