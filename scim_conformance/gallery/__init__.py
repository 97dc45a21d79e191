"""Microsoft's Entra app gallery validation, offline: its 25 named tests mapped onto this
suite's tests and rules (`catalogue.py`), their results and Microsoft's pass logic
(`assess.py`), the view on the terminal, in HTML and in results.json (`render.py`), and the
OAuth 2.0 client-credentials grant its Validate_Credentials_Test uses (`oauth.py`).

Microsoft's list of the tests, their categories and the pass logic:
https://github.com/AzureAD/SCIMReferenceCode/blob/master/Microsoft.SCIM.LogicAppValidationTemplate/StandardLogicApp/SCIM-Validation-Test-Overview.md
"""
