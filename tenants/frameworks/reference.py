"""The reference lists seeded into every workspace: the 17 Sustainable Development Goals
with the targets of the goals municipal ICT and basic services report on most, the
Back-to-Basics pillars, and a representative subset of MFMA Circular 88 indicator codes.

Each list is (code, title, children). The rest of a list is added per workspace through
the framework's page or API; codes stay unique within the framework.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    code: str
    title: str
    children: tuple[Entry, ...] = ()


def _targets(*pairs: tuple[str, str]) -> tuple[Entry, ...]:
    return tuple(Entry(code, title) for code, title in pairs)


SDG_6 = _targets(
    ("6.1", "By 2030, achieve universal and equitable access to safe and affordable drinking water for all"),
    ("6.2", "By 2030, achieve access to adequate and equitable sanitation and hygiene for all and end open defecation, paying special attention to the needs of women and girls and those in vulnerable situations"),
    ("6.3", "By 2030, improve water quality by reducing pollution, eliminating dumping and minimizing release of hazardous chemicals and materials, halving the proportion of untreated wastewater and substantially increasing recycling and safe reuse globally"),
    ("6.4", "By 2030, substantially increase water-use efficiency across all sectors and ensure sustainable withdrawals and supply of freshwater to address water scarcity and substantially reduce the number of people suffering from water scarcity"),
    ("6.5", "By 2030, implement integrated water resources management at all levels, including through transboundary cooperation as appropriate"),
    ("6.6", "By 2020, protect and restore water-related ecosystems, including mountains, forests, wetlands, rivers, aquifers and lakes"),
    ("6.a", "By 2030, expand international cooperation and capacity-building support to developing countries in water- and sanitation-related activities and programmes, including water harvesting, desalination, water efficiency, wastewater treatment, recycling and reuse technologies"),
    ("6.b", "Support and strengthen the participation of local communities in improving water and sanitation management"),
)  # fmt: skip

SDG_9 = _targets(
    ("9.1", "Develop quality, reliable, sustainable and resilient infrastructure, including regional and transborder infrastructure, to support economic development and human well-being, with a focus on affordable and equitable access for all"),
    ("9.2", "Promote inclusive and sustainable industrialization and, by 2030, significantly raise industry's share of employment and gross domestic product, in line with national circumstances, and double its share in least developed countries"),
    ("9.3", "Increase the access of small-scale industrial and other enterprises, in particular in developing countries, to financial services, including affordable credit, and their integration into value chains and markets"),
    ("9.4", "By 2030, upgrade infrastructure and retrofit industries to make them sustainable, with increased resource-use efficiency and greater adoption of clean and environmentally sound technologies and industrial processes, with all countries taking action in accordance with their respective capabilities"),
    ("9.5", "Enhance scientific research, upgrade the technological capabilities of industrial sectors in all countries, in particular developing countries, including, by 2030, encouraging innovation and substantially increasing the number of research and development workers per 1 million people and public and private research and development spending"),
    ("9.a", "Facilitate sustainable and resilient infrastructure development in developing countries through enhanced financial, technological and technical support to African countries, least developed countries, landlocked developing countries and small island developing States"),
    ("9.b", "Support domestic technology development, research and innovation in developing countries, including by ensuring a conducive policy environment for, inter alia, industrial diversification and value addition to commodities"),
    ("9.c", "Significantly increase access to information and communications technology and strive to provide universal and affordable access to the Internet in least developed countries by 2020"),
)  # fmt: skip

SDG_11 = _targets(
    ("11.1", "By 2030, ensure access for all to adequate, safe and affordable housing and basic services and upgrade slums"),
    ("11.2", "By 2030, provide access to safe, affordable, accessible and sustainable transport systems for all, improving road safety, notably by expanding public transport, with special attention to the needs of those in vulnerable situations, women, children, persons with disabilities and older persons"),
    ("11.3", "By 2030, enhance inclusive and sustainable urbanization and capacity for participatory, integrated and sustainable human settlement planning and management in all countries"),
    ("11.4", "Strengthen efforts to protect and safeguard the world's cultural and natural heritage"),
    ("11.5", "By 2030, significantly reduce the number of deaths and the number of people affected and substantially decrease the direct economic losses relative to global gross domestic product caused by disasters, including water-related disasters, with a focus on protecting the poor and people in vulnerable situations"),
    ("11.6", "By 2030, reduce the adverse per capita environmental impact of cities, including by paying special attention to air quality and municipal and other waste management"),
    ("11.7", "By 2030, provide universal access to safe, inclusive and accessible, green and public spaces, in particular for women and children, older persons and persons with disabilities"),
    ("11.a", "Support positive economic, social and environmental links between urban, peri-urban and rural areas by strengthening national and regional development planning"),
    ("11.b", "By 2020, substantially increase the number of cities and human settlements adopting and implementing integrated policies and plans towards inclusion, resource efficiency, mitigation and adaptation to climate change, resilience to disasters, and develop and implement, in line with the Sendai Framework for Disaster Risk Reduction 2015-2030, holistic disaster risk management at all levels"),
    ("11.c", "Support least developed countries, including through financial and technical assistance, in building sustainable and resilient buildings utilizing local materials"),
)  # fmt: skip

SDG_16 = _targets(
    ("16.1", "Significantly reduce all forms of violence and related death rates everywhere"),
    ("16.2", "End abuse, exploitation, trafficking and all forms of violence against and torture of children"),
    ("16.3", "Promote the rule of law at the national and international levels and ensure equal access to justice for all"),
    ("16.4", "By 2030, significantly reduce illicit financial and arms flows, strengthen the recovery and return of stolen assets and combat all forms of organized crime"),
    ("16.5", "Substantially reduce corruption and bribery in all their forms"),
    ("16.6", "Develop effective, accountable and transparent institutions at all levels"),
    ("16.7", "Ensure responsive, inclusive, participatory and representative decision-making at all levels"),
    ("16.8", "Broaden and strengthen the participation of developing countries in the institutions of global governance"),
    ("16.9", "By 2030, provide legal identity for all, including birth registration"),
    ("16.10", "Ensure public access to information and protect fundamental freedoms, in accordance with national legislation and international agreements"),
    ("16.a", "Strengthen relevant national institutions, including through international cooperation, for building capacity at all levels, in particular in developing countries, to prevent violence and combat terrorism and crime"),
    ("16.b", "Promote and enforce non-discriminatory laws and policies for sustainable development"),
)  # fmt: skip

SDG_17 = _targets(
    ("17.1", "Strengthen domestic resource mobilization, including through international support to developing countries, to improve domestic capacity for tax and other revenue collection"),
    ("17.2", "Developed countries to implement fully their official development assistance commitments, including the commitment by many developed countries to achieve the target of 0.7 per cent of gross national income for official development assistance (ODA/GNI) to developing countries and 0.15 to 0.20 per cent of ODA/GNI to least developed countries; ODA providers are encouraged to consider setting a target to provide at least 0.20 per cent of ODA/GNI to least developed countries"),
    ("17.3", "Mobilize additional financial resources for developing countries from multiple sources"),
    ("17.4", "Assist developing countries in attaining long-term debt sustainability through coordinated policies aimed at fostering debt financing, debt relief and debt restructuring, as appropriate, and address the external debt of highly indebted poor countries to reduce debt distress"),
    ("17.5", "Adopt and implement investment promotion regimes for least developed countries"),
    ("17.6", "Enhance North-South, South-South and triangular regional and international cooperation on and access to science, technology and innovation and enhance knowledge-sharing on mutually agreed terms, including through improved coordination among existing mechanisms, in particular at the United Nations level, and through a global technology facilitation mechanism"),
    ("17.7", "Promote the development, transfer, dissemination and diffusion of environmentally sound technologies to developing countries on favourable terms, including on concessional and preferential terms, as mutually agreed"),
    ("17.8", "Fully operationalize the technology bank and science, technology and innovation capacity-building mechanism for least developed countries by 2017 and enhance the use of enabling technology, in particular information and communications technology"),
    ("17.9", "Enhance international support for implementing effective and targeted capacity-building in developing countries to support national plans to implement all the Sustainable Development Goals, including through North-South, South-South and triangular cooperation"),
    ("17.10", "Promote a universal, rules-based, open, non-discriminatory and equitable multilateral trading system under the World Trade Organization, including through the conclusion of negotiations under its Doha Development Agenda"),
    ("17.11", "Significantly increase the exports of developing countries, in particular with a view to doubling the least developed countries' share of global exports by 2020"),
    ("17.12", "Realize timely implementation of duty-free and quota-free market access on a lasting basis for all least developed countries, consistent with World Trade Organization decisions, including by ensuring that preferential rules of origin applicable to imports from least developed countries are transparent and simple, and contribute to facilitating market access"),
    ("17.13", "Enhance global macroeconomic stability, including through policy coordination and policy coherence"),
    ("17.14", "Enhance policy coherence for sustainable development"),
    ("17.15", "Respect each country's policy space and leadership to establish and implement policies for poverty eradication and sustainable development"),
    ("17.16", "Enhance the Global Partnership for Sustainable Development, complemented by multi-stakeholder partnerships that mobilize and share knowledge, expertise, technology and financial resources, to support the achievement of the Sustainable Development Goals in all countries, in particular developing countries"),
    ("17.17", "Encourage and promote effective public, public-private and civil society partnerships, building on the experience and resourcing strategies of partnerships"),
    ("17.18", "By 2020, enhance capacity-building support to developing countries, including for least developed countries and small island developing States, to increase significantly the availability of high-quality, timely and reliable data disaggregated by income, gender, age, race, ethnicity, migratory status, disability, geographic location and other characteristics relevant in national contexts"),
    ("17.19", "By 2030, build on existing initiatives to develop measurements of progress on sustainable development that complement gross domestic product, and support statistical capacity-building in developing countries"),
)  # fmt: skip

_SDG_TARGETS = {"6": SDG_6, "9": SDG_9, "11": SDG_11, "16": SDG_16, "17": SDG_17}

SDG_GOALS: tuple[tuple[str, str], ...] = (
    ("1", "No poverty"),
    ("2", "Zero hunger"),
    ("3", "Good health and well-being"),
    ("4", "Quality education"),
    ("5", "Gender equality"),
    ("6", "Clean water and sanitation"),
    ("7", "Affordable and clean energy"),
    ("8", "Decent work and economic growth"),
    ("9", "Industry, innovation and infrastructure"),
    ("10", "Reduced inequalities"),
    ("11", "Sustainable cities and communities"),
    ("12", "Responsible consumption and production"),
    ("13", "Climate action"),
    ("14", "Life below water"),
    ("15", "Life on land"),
    ("16", "Peace, justice and strong institutions"),
    ("17", "Partnerships for the goals"),
)

SDGS: tuple[Entry, ...] = tuple(
    Entry(code, title, _SDG_TARGETS.get(code, ())) for code, title in SDG_GOALS
)

BACK_TO_BASICS: tuple[Entry, ...] = (
    Entry("B2B1", "Putting people first"),
    Entry("B2B2", "Delivering basic services"),
    Entry("B2B3", "Good governance"),
    Entry("B2B4", "Sound financial management"),
    Entry("B2B5", "Building capable institutions and administrations"),
)

# Grouped by the circular's sectors; indicator codes follow the circular's scheme.
CIRCULAR_88: tuple[Entry, ...] = (
    Entry(
        "WS",
        "Water and sanitation",
        _targets(
            ("WS1.1", "Percentage of households with access to basic sanitation"),
            ("WS2.1", "Percentage of households with access to basic water supply"),
            ("WS3.1", "Frequency of sewer blockages per 100 km of pipeline"),
            ("WS4.1", "Frequency of water mains failures per 100 km of pipeline"),
        ),
    ),
    Entry(
        "EE",
        "Energy and electricity",
        _targets(
            ("EE1.1", "Percentage of households with access to electricity"),
            ("EE4.4", "Percentage total electricity losses"),
        ),
    ),
    Entry(
        "ENV",
        "Environment and waste",
        _targets(
            ("ENV3.1", "Percentage of households with basic refuse removal services or better"),
        ),
    ),
    Entry(
        "GG",
        "Good governance",
        _targets(
            ("GG1.1", "Percentage of municipal skilled vacancies"),
            ("GG2.1", "Percentage of ward committees that are functional"),
            ("GG3.1", "Number of repeat audit findings"),
            (
                "GG6.1",
                "Percentage of official complaints responded to through the municipal "
                "complaint management system",
            ),
        ),
    ),
)
